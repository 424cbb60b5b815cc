package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host command reaches a host one way (docs/architecture.md, "One shell per host"): the release
 * package hands {@code HostCommand} values to {@link Fleet}, the only class of it that calls a
 * {@code Transport}, and joins commands with {@code HostCommand.then}, never by gluing strings with
 * {@code &&}. A failure names the file, the line and what it does.
 */
class OneSenderTest {
  private static final Pattern SENDS =
      Pattern.compile("\\btransport\\s*\\.\\s*(run|read|probe|prepare)\\s*\\(");
  private static final Pattern GLUES = Pattern.compile("\"[^\"\\n]*&&[^\"\\n]*\"");

  @Test
  void onlyFleetSendsAndNothingGluesCommands() throws IOException {
    assertThat(broken(Path.of("src/main/java/dev/tarmac/deploy/release"))).isEmpty();
  }

  /** The check itself can fail: a phase sending a string, a phase gluing two commands. */
  @Test
  void findsASecondSenderAndAGluedCommand(@TempDir Path src) throws IOException {
    Files.writeString(
        src.resolve("Fleet.java"), "class Fleet { void f() { m.transport.run(c.text(), t); } }\n");
    Files.writeString(
        src.resolve("Finish.java"),
        "class Finish {\n  void f() {\n    m.transport.run(\"true\", t);\n"
            + "    fleet.change(m, a + \" && \" + b);\n  }\n}\n");
    assertThat(broken(src))
        .containsExactly(
            "Finish.java:3: sends to a host itself (hand a HostCommand to Fleet)",
            "Finish.java:4: joins commands with && in a string (use HostCommand.then)");
  }

  private static List<String> broken(Path root) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      List<String> lines = Files.readAllLines(f);
      String name = root.relativize(f).toString();
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.strip().startsWith("*") || line.strip().startsWith("//")) {
          continue;
        }
        if (!name.equals("Fleet.java") && SENDS.matcher(line).find()) {
          out.add(name + ":" + (i + 1) + ": sends to a host itself (hand a HostCommand to Fleet)");
        }
        if (GLUES.matcher(line).find()) {
          out.add(
              name + ":" + (i + 1) + ": joins commands with && in a string (use HostCommand.then)");
        }
      }
    }
    return out;
  }
}
