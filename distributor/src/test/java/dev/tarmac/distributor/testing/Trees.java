package dev.tarmac.distributor.testing;

import dev.tarmac.distributor.store.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Real directory trees for tests: writing files and describing a tree to compare two of them. */
public final class Trees {
  private Trees() {}

  public static void write(Path tree, String path, String text) throws IOException {
    Path p = tree.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  public static void link(Path tree, String path, String target) throws IOException {
    Path p = tree.resolve(path);
    Files.createDirectories(p.getParent());
    Files.createSymbolicLink(p, Path.of(target));
  }

  /**
   * One line per entry: path, type, executable bit, link target or sha256 (streamed) — what a
   * release must reproduce exactly.
   */
  public static List<String> describe(Path tree) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(tree)) {
      for (Path p : walk.sorted().toList()) {
        if (p.equals(tree)) {
          continue;
        }
        String rel = tree.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.add(rel + " l " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          out.add(rel + " d");
        } else {
          boolean exec =
              Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
          try (Hashing.CountingDigestStream in =
              new Hashing.CountingDigestStream(Files.newInputStream(p))) {
            in.transferTo(OutputStream.nullOutputStream());
            out.add(rel + " f " + (exec ? "x " : "- ") + in.count() + " " + in.sha256Hex());
          }
        }
      }
    }
    return out;
  }

  /**
   * Applies a delta as a host does (the same {@code tar}/{@code sha256sum} steps as the host-side
   * command in {@code deploy}, see docs/architecture.md): unpack the delta, copy the unchanged
   * entries from {@code from}, check every file against the manifest it carries. Returns the
   * command's output; throws when a step fails.
   */
  public static String applyDelta(Path from, Path delta, Path out) throws Exception {
    Files.createDirectories(out);
    String script =
        """
        set -e
        tar -xzf "$2" --no-same-owner -C "$3"
        d="$3/.tarmac-delta"
        tar -C "$1" --no-recursion --verbatim-files-from -T "$d/unchanged.txt" -cf - | tar -xf - --no-same-owner -C "$3"
        mv "$d/manifest.sha256" "$3.manifest"
        rm -rf "$d"
        cd "$3" && sha256sum -c --quiet --strict "$3.manifest"
        """;
    Process p =
        new ProcessBuilder(
                "sh",
                "-c",
                script,
                "apply",
                from.toString(),
                delta.toString(),
                out.toAbsolutePath().toString())
            .redirectErrorStream(true)
            .start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (p.waitFor() != 0) {
      throw new AssertionError("applying " + delta + " failed: " + output);
    }
    return output;
  }
}
