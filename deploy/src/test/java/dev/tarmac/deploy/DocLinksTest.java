package dev.tarmac.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every code→docs link of every module ({@link #MODULES}, main and test sources), {@code
 * (docs/<page>.md, "<section>")} in a comment or a message, names a page that exists and a heading
 * of it (the heading itself, or its start before a {@code :} or a {@code (}). A failure names the
 * file, the page and the section.
 */
class DocLinksTest {
  private static final Pattern LINK = Pattern.compile("docs/([a-z0-9-]+\\.md),\\s*\"([^\"]+)\"");

  /** A comment going on on its next line, or a string literal going on after a {@code +}. */
  private static final Pattern CONTINUATION =
      Pattern.compile("\\n\\s*(\\*|//)\\s*|\"\\s*\\n\\s*\\+\\s*\"");

  /** The modules whose sources are read, from this module's folder. */
  static final List<String> MODULES = List.of("distributor", "deploy", "builder", "cli");

  @Test
  void everyLinkNamesASectionThatExists() throws IOException {
    List<String> dead = new ArrayList<>();
    for (String module : MODULES) {
      Path src = Path.of("..", module, "src");
      assertThat(src).isDirectory();
      dead(src, Path.of("../docs")).forEach(d -> dead.add(module + "/src/" + d));
    }
    assertThat(dead).isEmpty();
  }

  /** The check itself can fail: a missing section, a missing page, a link across two lines. */
  @Test
  void findsDeadLinks(@TempDir Path dir) throws IOException {
    Path docs = Files.createDirectories(dir.resolve("docs"));
    Files.writeString(
        docs.resolve("architecture.md"),
        "# A\n## One shell per host\n### Plan: what it does\n## Migrating from `environments:`\n");
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(
        src.resolve("A.java"),
        "/** (docs/architecture.md, \"One shell per host\"), (docs/architecture.md, \"Plan\") */\n"
            + "// (docs/architecture.md, \"Migrating from environments:\")\n"
            + "/**\n * see (docs/architecture.md,\n * \"Commands\") and (docs/nope.md, \"A\")\n */\n"
            + "class A { String s = \"(docs/architecture.md,\"\n    + \" \\\"One shell per host\\\")\"; }\n");
    assertThat(dead(src, docs))
        .containsExactly(
            "A.java: docs/architecture.md has no section \"Commands\"",
            "A.java: docs/nope.md does not exist");
  }

  private static List<String> dead(Path src, Path docs) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(src)) {
      files =
          walk.filter(p -> p.toString().endsWith(".java"))
              .filter(p -> !p.endsWith("DocLinksTest.java")) // its own examples are dead on purpose
              .sorted()
              .toList();
    }
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      String text = CONTINUATION.matcher(Files.readString(f)).replaceAll(" ").replace("\\\"", "\"");
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        Path page = docs.resolve(m.group(1));
        String name = src.relativize(f).toString().replace('\\', '/');
        if (!Files.exists(page)) {
          out.add(name + ": docs/" + m.group(1) + " does not exist");
        } else if (!hasSection(page, m.group(2).replaceAll("\\s+", " "))) {
          out.add(name + ": docs/" + m.group(1) + " has no section \"" + m.group(2) + "\"");
        }
      }
    }
    return out;
  }

  private static boolean hasSection(Path page, String section) throws IOException {
    for (String line : Files.readAllLines(page)) {
      if (!line.startsWith("#")) {
        continue;
      }
      // a heading as it reads: `code` marks are no part of its name
      String heading = line.replaceFirst("^#+\\s*", "").replace("`", "").strip();
      if (heading.equals(section)
          || heading.startsWith(section + ":")
          || heading.startsWith(section + " (")) {
        return true;
      }
    }
    return false;
  }
}
