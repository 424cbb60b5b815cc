package dev.tarmac.distributor.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How benchmarks write their figures into docs/benchmarks.md: one marked section each. */
public final class MarkdownSection {
  private MarkdownSection() {}

  /** Replaces the text between {@code <!-- name:start -->} and {@code <!-- name:end -->}. */
  public static void write(Path file, String name, String body) throws IOException {
    String start = "<!-- " + name + ":start -->";
    String end = "<!-- " + name + ":end -->";
    String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n";
    int s = text.indexOf(start);
    int e = text.indexOf(end);
    String section = start + "\n" + body + end;
    text =
        s >= 0 && e > s
            ? text.substring(0, s) + section + text.substring(e + end.length())
            : text + "\n" + section + "\n";
    Files.writeString(file, text);
  }
}
