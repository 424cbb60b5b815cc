package dev.tarmac.deploy.release;

import dev.tarmac.deploy.remote.ConfigCommands;
import dev.tarmac.deploy.remote.Shell;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Cuts the secret values a run renders out of every text a host sends back, before it is recorded,
 * logged or streamed (docs/configuration-and-secrets.md, "Never shown"): each occurrence becomes
 * {@code [secret]}. A secret of several lines is also cut line by line (a hook that prints it with
 * {@code echo} splits nothing, one that prints its lines apart would). Also cut: the value as the
 * rendered file holds it (escaped: a hook's {@code cat .env}), shell-quoted ({@code set -x}) and
 * made printable. What a hook transforms (base64, reversed, one character a line) is not
 * recognised.
 */
final class Redaction {
  static final Redaction NONE = new Redaction(List.of());
  static final String MARK = "[secret]";

  /** The shortest part of a secret cut on its own (a line of a many-line secret). */
  private static final int MIN_PART = 8;

  private final List<String> values;

  private Redaction(List<String> values) {
    this.values = values;
  }

  static Redaction of(Collection<String> secrets) {
    Set<String> parts = new LinkedHashSet<>();
    for (String s : secrets) {
      if (s.isEmpty()) {
        continue;
      }
      parts.add(s);
      parts.add(s.strip());
      // the forms a host prints it in without any transformation of its own: as the rendered file
      // holds it (a hook's `cat .env`, bash's `export -p`), shell-quoted (`set -x`), and as a
      // message is made printable (a control character replaced) before it is cut
      parts.add(ConfigCommands.escaped(s));
      parts.add(Shell.quote(s));
      parts.add(Fleet.printable(s));
      for (String line : s.split("\r?\n")) {
        if (line.strip().length() >= MIN_PART) {
          parts.add(line.strip());
        }
      }
    }
    parts.remove("");
    List<String> sorted = new ArrayList<>(parts);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return new Redaction(List.copyOf(sorted));
  }

  String apply(String text) {
    if (text == null || values.isEmpty()) {
      return text;
    }
    String out = text;
    for (String v : values) {
      if (out.contains(v)) {
        out = out.replace(v, MARK);
      }
    }
    return out;
  }
}
