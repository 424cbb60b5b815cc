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
 * The deploy module's layers, one way (docs/architecture.md, "Packages"): {@code release} (the
 * runner and its phases) uses {@code store} (the builds of the store with their configs), {@code
 * remote} (the commands a host runs, the shells that send them) and {@code config} ({@code
 * tarmac.yml}); {@code store} uses {@code config}, never the release nor the hosts; {@code remote}
 * uses {@code config}; {@code config} uses neither; and nothing of deploy refers to the builder or
 * the CLI. A failure names each file and the reference that breaks a layer.
 */
class DeployLayersTest {
  /** From the top: a package may refer only to the ones after it. */
  static final List<String> LAYERS = List.of("release", "store", "remote", "config", "");

  private static final Pattern REFERENCE =
      Pattern.compile("\\bdev\\.tarmac\\.(deploy\\.(?:([a-z]+)\\.)?|builder\\.|cli\\.)[A-Za-z]");

  @Test
  void deployPackagesDependOneWay() throws IOException {
    List<String> broken = broken(Path.of("src/main/java/dev/tarmac/deploy"));
    assertThat(broken).isEmpty();
  }

  /**
   * The check itself can fail: remote referring to release, config to remote, deploy to cli, store
   * to release.
   */
  @Test
  void findsAReferenceUpwards(@TempDir Path src) throws IOException {
    write(
        src,
        "remote/A.java",
        "package dev.tarmac.deploy.remote;\nimport dev.tarmac.deploy.release.Fleet;\n");
    write(
        src,
        "config/B.java",
        "package dev.tarmac.deploy.config;\nclass B { dev.tarmac.deploy.remote.Shell s; }\n");
    write(
        src,
        "release/C.java",
        "package dev.tarmac.deploy.release;\nimport dev.tarmac.cli.Main;\nimport dev.tarmac.deploy.remote.Shell;\n");
    write(
        src,
        "store/E.java",
        "package dev.tarmac.deploy.store;\nimport dev.tarmac.deploy.release.EnvLock;\n"
            + "import dev.tarmac.deploy.config.TarmacConfig;\n");
    write(
        src,
        "release/F.java",
        "package dev.tarmac.deploy.release;\nimport dev.tarmac.deploy.store.Builds;\n");
    write(
        src,
        "release/D.java",
        "package dev.tarmac.deploy.release;\nimport dev.tarmac.deploy.config.TarmacConfig;\n");
    assertThat(broken(src))
        .containsExactly(
            "config/B.java: config refers to dev.tarmac.deploy.remote.",
            "release/C.java: release refers to dev.tarmac.cli.",
            "remote/A.java: remote refers to dev.tarmac.deploy.release.",
            "store/E.java: store refers to dev.tarmac.deploy.release.");
  }

  private static List<String> broken(Path root) throws IOException {
    List<String> out = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      Path rel = root.relativize(file);
      String pkg = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
      int mine = LAYERS.indexOf(pkg);
      Matcher m = REFERENCE.matcher(Files.readString(file));
      java.util.Set<String> seen = new java.util.TreeSet<>();
      while (m.find()) {
        String target = m.group(1);
        boolean allowed;
        if (!target.startsWith("deploy.")) {
          allowed = false; // builder, cli: above the whole module
        } else {
          String other = m.group(2) == null ? "" : m.group(2);
          allowed = other.equals(pkg) || LAYERS.indexOf(other) > mine;
        }
        if (!allowed && seen.add(target)) {
          out.add(
              rel.toString().replace('\\', '/') + ": " + pkg + " refers to dev.tarmac." + target);
        }
      }
    }
    return out;
  }

  private static void write(Path src, String relative, String text) throws IOException {
    Path file = src.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
