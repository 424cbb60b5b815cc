package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.distributor.store.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
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

  @Test
  void packingEndsAtTheBuildTimeoutNamingTheFile() throws Exception {
    Path tree = tmp.resolve("tree");
    write(tree, "public/big.bin", "x".repeat(1 << 20));

    assertThatThrownBy(
            () ->
                new PackTarballStep(
                        tree,
                        tmp.resolve("artifact.tar.gz"),
                        Instant.EPOCH,
                        java.time.Duration.ofNanos(1))
                    .run())
        .isInstanceOf(BuildException.class)
        .hasMessage(
            "pack did not finish within build.timeout (0s), at public/big.bin; ship smaller"
                + " files, or raise build.timeout");
  }

  @Test
  void aTreeOfMoreThanABuildMayShipIsRefusedNamingItsLargestFile() throws Exception {
    Path tree = tmp.resolve("tree");
    write(tree, "public/index.html", "<p>hello</p>\n");
    // sparse: nothing on disk, but packing it would read 9 GiB
    try (var f = new java.io.RandomAccessFile(tree.resolve("public/huge.bin").toFile(), "rw")) {
      f.setLength(9L << 30);
    }

    assertThatThrownBy(
            () ->
                dev.tarmac.builder.workspace.TreeFiles.refuseOversized(
                    tree, dev.tarmac.builder.workspace.TreeFiles.MAX_TREE_BYTES, "build.commands"))
        .isInstanceOf(BuildException.class)
        .hasMessage(
            "build.commands left 9663676429 bytes of files in the tree, more than the 8589934592"
                + " a build may ship (the largest: public/huge.bin, 9663676416 bytes); remove what"
                + " the app does not need in the command that made it (build.exclude comes after"
                + " this check)");
  }

  private Path tree(String... links) throws Exception {
    Path tree = tmp.resolve("tree");
    write(tree, "public-files/index.html", "<p>hello</p>\n");
    Files.createDirectories(tree.resolve("a/b/c"));
    for (int i = 0; i < links.length; i += 2) {
      Path link = tree.resolve(links[i]);
      Files.createDirectories(link.getParent());
      Files.createSymbolicLink(link, Path.of(links[i + 1]));
    }
    return tree;
  }

  private PackTarballStep.Packed pack(Path tree) throws Exception {
    return new PackTarballStep(tree, tmp.resolve("artifact.tar.gz"), Instant.EPOCH).run();
  }

  @Test
  void aChainOfSymlinksThatLeavesTheTreeIsRefused() throws Exception {
    // lexically a/b/c/up/../../../outside/victim is a/outside/victim, inside the tree; the kernel
    // follows up -> ../../.. to the tree's root first, then climbs three levels above it
    Path tree = tree("a/b/c/up", "../../..", "public", "a/b/c/up/../../../outside/victim");

    assertThatThrownBy(() -> pack(tree))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining(
            "symlink public -> a/b/c/up/../../../outside/victim points outside the release tree")
        .hasMessageContaining("it leads to ../../../outside/victim")
        .hasMessageContaining("following a/b/c/up -> ../../..");
  }

  @Test
  void aLinkThroughTheTreesOwnParentIsRefused() throws Exception {
    // ../tree/x names this tree at build time, but on a host the release directory has another name
    Path tree = tree("public/x", "../../tree/public-files");

    assertThatThrownBy(() -> pack(tree))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("symlink public/x -> ../../tree/public-files points outside")
        .hasMessageContaining("it leads to ../tree/public-files");
  }

  @Test
  void aLoopOfSymlinksIsRefusedByName() throws Exception {
    Path tree = tree("loop1", "loop2", "loop2", "loop1", "x", "loop1/file");

    assertThatThrownBy(() -> pack(tree))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("symlink loop1 -> loop2")
        .hasMessageContaining("more than 40 symlinks");
  }

  @Test
  void linksThatTheKernelResolvesInsideTheTreeAreKept() throws Exception {
    Path tree =
        tree(
            "a/b/c/up", "../../..",
            "public", "a/b/c/up/public-files",
            "deep", "a/b/c/up/a/b/c/up/public-files/index.html",
            "dangling", "a/b/missing/../c",
            "chain", "public");

    PackTarballStep.Packed packed = pack(tree);

    assertThat(packed.manifest().entries()).hasSize(1);
    List<String> kept = List.of("a/b/c/up", "public", "deep", "dangling", "chain");
    assertThat(kept).allSatisfy(l -> assertThat(Files.isSymbolicLink(tree.resolve(l))).isTrue());
  }
}
