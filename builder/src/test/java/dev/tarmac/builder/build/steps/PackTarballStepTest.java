package dev.tarmac.builder.build.steps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.distributor.store.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The artifact's bytes, pinned: a refactoring of the tar code must not change one. */
class PackTarballStepTest {
  @TempDir Path tmp;

  private static void write(Path tree, String path, String text) throws Exception {
    Path p = tree.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @Test
  void theSameTreeGivesTheBytesItAlwaysGave() throws Exception {
    Path tree = tmp.resolve("tree");
    write(tree, "public/index.html", "<p>hello</p>\n");
    write(tree, "public/js/app.js", "window.x=1;\n");
    Files.createSymbolicLink(tree.resolve("public/app.js"), Path.of("js/app.js"));
    write(tree, "bin/run", "#!/bin/sh\necho run\n");
    Files.setPosixFilePermissions(
        tree.resolve("bin/run"), PosixFilePermissions.fromString("rwxr-x---"));
    write(tree, "long/" + "d".repeat(70) + "/" + "e".repeat(70) + "/file.txt", "deep\n");
    Files.createDirectories(tree.resolve("empty"));
    Path artifact = tmp.resolve("artifact.tar.gz");

    PackTarballStep.Packed packed =
        new PackTarballStep(tree, artifact, Instant.parse("2026-03-04T05:06:07Z")).run();

    // measured before the tar code moved to distributor's DeterministicTar
    assertThat(packed.sha256())
        .isEqualTo("643ac358d9b17ac4e10a1278c0c311da25185b29dc051cc017abb8b12d5552ff");
    assertThat(Hashing.sha256Hex(Files.readAllBytes(artifact))).isEqualTo(packed.sha256());
    assertThat(packed.manifest().entries()).hasSize(4);
  }
}
