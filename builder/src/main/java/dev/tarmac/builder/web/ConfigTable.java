package dev.tarmac.builder.web;

import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.store.ConfigValues.Revision;
import dev.tarmac.deploy.store.ConfigValues.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An app's configuration as the dashboard shows it (docs/dashboard.md, "Configuration"): names,
 * plain values, and for a secret only its fingerprint and who set it when — a row is built from
 * what {@link Value} may show, never from a release's resolved values, so no page can hold a
 * secret's value (docs/configuration-and-secrets.md, "Never shown").
 */
final class ConfigTable {
  private ConfigTable() {}

  /**
   * One name: {@code scope} {@code app-wide} or the environment; {@code shown} a plain value, or
   * empty for a secret (whose {@code fingerprint} is set); {@code overridden} when the
   * environment's own value of that name is the one rendered.
   */
  record Entry(
      String name,
      String scope,
      boolean secret,
      String shown,
      String fingerprint,
      String by,
      String at,
      boolean overridden) {}

  /** One revision: who changed which names when (no value). */
  record Rev(String scope, long number, String who, String at, String changed) {}

  /** The names of one scope, sorted. */
  static List<Entry> of(Revision r, String scope) {
    List<Entry> out = new ArrayList<>();
    r.values().forEach((name, v) -> out.add(entry(name, scope, v, false)));
    return out;
  }

  /**
   * What a release to {@code env} renders, by name: the environment's own values and the app's, an
   * app-wide value that the environment overrides listed after it and marked.
   */
  static List<Entry> merged(Revision app, Revision env, String envName) {
    Map<String, List<Entry>> byName = new TreeMap<>();
    env.values()
        .forEach(
            (name, v) ->
                byName
                    .computeIfAbsent(name, n -> new ArrayList<>())
                    .add(entry(name, envName, v, false)));
    app.values()
        .forEach(
            (name, v) ->
                byName
                    .computeIfAbsent(name, n -> new ArrayList<>())
                    .add(entry(name, "app-wide", v, env.values().containsKey(name))));
    List<Entry> out = new ArrayList<>();
    byName.values().forEach(out::addAll);
    return out;
  }

  private static Entry entry(String name, String scope, Value v, boolean overridden) {
    return new Entry(
        name,
        scope,
        v.secret(),
        v.secret() ? "" : v.value(),
        v.secret() ? v.fingerprint() : "",
        v.by() == null ? "" : v.by(),
        Format.when(v.at()),
        overridden);
  }

  /** The revisions, newest first, each named by its scope. */
  static List<Rev> revisions(List<Revision> newestFirst, String scope) {
    return newestFirst.stream()
        .map(
            r ->
                new Rev(
                    scope,
                    r.number(),
                    r.who() == null ? "" : r.who(),
                    Format.when(r.at()),
                    String.join(", ", r.changed())))
        .toList();
  }

  /** Which revisions a release rendered: {@code app r2 · prod r3}; empty when it rendered none. */
  static String used(ReleaseRecord.ConfigUsed c, String env) {
    if (c == null) {
      return "";
    }
    return "app r" + c.app() + " · " + env + " r" + c.env();
  }
}
