package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.Deadline;
import dev.tarmac.distributor.model.Manifest;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.tar.DeterministicTar;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Packs the tree into a deterministic {@code tar.gz} with {@link DeterministicTar} (entries sorted
 * by path, every time set to the commit's time, owner 0:0 with no names, modes 755/644 from the
 * executable bit, POSIX long names, gzip header time 0). The same tree gives the same bytes on any
 * machine with this JDK. Symlinks are kept when the path the kernel will resolve stays inside the
 * tree, and refused otherwise ({@link #checkLink}). The manifest (sha256 of every regular file) is
 * computed in the same pass.
 */
public final class PackTarballStep implements BuildStep<PackTarballStep.Packed> {
  public record Packed(Path artifact, String sha256, long size, Manifest manifest) {}

  /** Links followed while resolving one symlink before giving up, as Linux's MAXSYMLINKS. */
  static final int MAX_LINKS = 40;

  private final Path tree;
  private final Path artifact;
  private final Instant time;
  private final java.time.Duration timeout;

  public PackTarballStep(Path tree, Path artifact, Instant time) {
    this(tree, artifact, time, null);
  }

  /**
   * Packing that ends at {@code timeout} ({@code build.timeout}; null: none) with an error, as
   * every step that reads what the build made does.
   */
  public PackTarballStep(Path tree, Path artifact, Instant time, java.time.Duration timeout) {
    this.tree = tree;
    this.artifact = artifact;
    this.time = time;
    this.timeout = timeout;
  }

  private Deadline ending = Deadline.NONE;

  /** Ends packing at {@code deadline} too (the build's, shared with fingerprint and exclude). */
  public PackTarballStep ending(Deadline deadline) {
    this.ending = deadline;
    return this;
  }

  @Override
  public Packed run() throws IOException {
    List<Manifest.Entry> entries = new ArrayList<>();
    MessageDigest artifactDigest = Hashing.sha256();
    long mtime = time.toEpochMilli();
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    try (DeterministicTar tar =
        new DeterministicTar(
            new DigestOutputStream(
                new BufferedOutputStream(Files.newOutputStream(artifact), 1 << 20),
                artifactDigest))) {
      for (String path : DeterministicTar.sortedPaths(tree)) {
        Manifest.checkPath(path);
        ending.check("pack", path);
        Path p = tree.resolve(path);
        if (Files.isSymbolicLink(p)) {
          tar.symlink(path, checkLink(path, p), DeterministicTar.LINK_MODE, mtime);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          tar.directory(path, DeterministicTar.DIR_MODE, mtime);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          boolean exec =
              Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
                  .contains(PosixFilePermission.OWNER_EXECUTE);
          int mode = exec ? DeterministicTar.EXEC_MODE : DeterministicTar.FILE_MODE;
          try (InputStream in = until(deadline, path, Files.newInputStream(p))) {
            entries.add(new Manifest.Entry(path, tar.file(path, mode, Files.size(p), mtime, in)));
          }
        } else {
          throw new BuildException(
              path + " is neither a file, a directory nor a symlink; remove it or exclude it");
        }
      }
    }
    return new Packed(
        artifact,
        Hashing.hex(artifactDigest.digest()),
        Files.size(artifact),
        new Manifest(entries));
  }

  /** {@code in}, failing the build once {@code deadline} (System.nanoTime) has passed. */
  private InputStream until(long deadline, String path, InputStream in) {
    if (deadline == Long.MAX_VALUE) {
      return in;
    }
    return new java.io.FilterInputStream(in) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (System.nanoTime() - deadline > 0) {
          throw new BuildException(
              "pack did not finish within build.timeout ("
                  + timeout.toSeconds()
                  + "s), at "
                  + path
                  + "; ship smaller files, or raise build.timeout");
        }
        return super.read(b, off, len);
      }
    };
  }

  /**
   * Returns the target of the symlink at {@code path} when the path the kernel will resolve stays
   * inside the tree; refuses it otherwise. The target is resolved as the kernel does on a host
   * (docs/architecture.md, "The build"): component by component from the link's directory, {@code
   * ..} going to the real parent, and every symlink met on the way followed (at most {@value
   * #MAX_LINKS} in all) — so a chain such as {@code a/b/c/up -> ../../..} then {@code public ->
   * a/b/c/up/../../../x}, lexically inside, is refused. Absolute targets are refused; components
   * that do not exist are taken as names (the kernel would stop there, so nothing is reached).
   */
  private String checkLink(String path, Path link) throws IOException {
    String target = Files.readSymbolicLink(link).toString();
    Deque<String> at = new ArrayDeque<>(List.of(path.split("/")));
    at.removeLast();
    List<String> followed = new ArrayList<>();
    String escape;
    try {
      escape = resolve(at, target, followed, new int[] {0});
    } catch (TooManyLinks e) {
      throw new BuildException(
          "symlink "
              + path
              + " -> "
              + target
              + " cannot be resolved: more than "
              + MAX_LINKS
              + " symlinks followed (a loop: "
              + String.join(", ", followed.subList(0, Math.min(4, followed.size())))
              + ", …); remove or fix the links");
    }
    if (escape != null) {
      throw new BuildException(
          "symlink "
              + path
              + " -> "
              + target
              + " points outside the release tree: it leads to "
              + escape
              + (followed.isEmpty() ? "" : " (following " + String.join(", ", followed) + ")")
              + "; make it a relative link to a path inside the repository, or exclude it");
    }
    return target;
  }

  /**
   * Walks {@code target} from the directory {@code at} (components from the tree's root), updating
   * {@code at}. Returns null when every step stays inside the tree, else where it leads (relative
   * to the tree's root, starting with {@code ../}, or the absolute target).
   */
  private String resolve(Deque<String> at, String target, List<String> followed, int[] links)
      throws IOException {
    if (target.startsWith("/")) {
      return target;
    }
    String[] parts = target.split("/");
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (at.isEmpty()) {
          return outside(parts, i);
        }
        at.removeLast();
        continue;
      }
      at.addLast(part);
      Path here = tree.resolve(String.join("/", at));
      if (Files.isSymbolicLink(here)) {
        if (++links[0] > MAX_LINKS) {
          throw new TooManyLinks();
        }
        String next = Files.readSymbolicLink(here).toString();
        followed.add(String.join("/", at) + " -> " + next);
        at.removeLast();
        String escape = resolve(at, next, followed, links);
        if (escape != null) {
          String rest = String.join("/", List.of(parts).subList(i + 1, parts.length));
          return rest.isEmpty() ? escape : escape + "/" + rest;
        }
      }
    }
    return null;
  }

  private static final class TooManyLinks extends RuntimeException {
    TooManyLinks() {
      super(null, null, false, false);
    }
  }

  /** Where the rest of a target leads once it has climbed above the tree's root. */
  private static String outside(String[] parts, int from) {
    Deque<String> out = new ArrayDeque<>();
    int ups = 0;
    for (int i = from; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (out.isEmpty()) {
          ups++;
        } else {
          out.removeLast();
        }
      } else {
        out.addLast(part);
      }
    }
    for (int i = 0; i < ups; i++) {
      out.addFirst("..");
    }
    return String.join("/", out);
  }
}
