package dev.tarmac.builder.sandbox;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.files.Owned;
import dev.tarmac.distributor.store.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The compilers Tarmac ships — Dart Sass (from the {@code sass-embedded-bundled} jar) and esbuild
 * (from {@code org.mvnpm.at.esbuild:linux-x64}) — extracted once into a directory that only the
 * service can write and builds can read and run, and run inside the build's sandbox as its user
 * (docs/architecture.md, "Build isolation"). Never under {@code java.io.tmpdir}: the Sass library's
 * own extraction there reuses whatever a build (or any local user) put at its fixed path.
 */
public final class BuildTools {
  public static final String ESBUILD_VERSION = "0.25.10";
  private static final String ESBUILD =
      "META-INF/resources/_static/linux-x64/" + ESBUILD_VERSION + "/bin/esbuild";
  private static final String DART_SASS =
      "de/larsgrefer/sass/embedded/bundled/dart-sass-linux-x64.tar.gz";

  private final Path dir;

  /** What was extracted, by resource: read, hashed and unpacked once per service, then checked. */
  private final java.util.Map<String, Path> extracted = new java.util.HashMap<>();

  /** {@code dir}: inside a directory of the service that no one else can write. */
  public BuildTools(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** Where the tools are (bound read-only into bubblewrap). */
  public Path dir() {
    return dir;
  }

  /** The command line of Dart Sass's embedded protocol ({@code dart sass.snapshot --embedded}). */
  public synchronized List<String> sass() {
    Path home = extracted("dart-sass-", DART_SASS, true).resolve("dart-sass/src");
    return List.of(
        home.resolve("dart").toString(), home.resolve("sass.snapshot").toString(), "--embedded");
  }

  /** The esbuild executable. */
  public synchronized Path esbuild() {
    return extracted("esbuild-" + ESBUILD_VERSION + "-", ESBUILD, false).resolve("esbuild");
  }

  /**
   * The directory holding {@code resource} (a .tar.gz unpacked, or the file itself made
   * executable), named by the resource's sha256: made once, atomically, then only checked.
   */
  private Path extracted(String prefix, String resource, boolean tarball) {
    try {
      Path done = extracted.get(resource);
      if (done != null) {
        requireOwn(dir);
        requireOwn(done);
        return done;
      }
      Path made = extract(prefix, resource, tarball);
      extracted.put(resource, made);
      return made;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + dir, e);
    }
  }

  private Path extract(String prefix, String resource, boolean tarball) {
    try {
      byte[] bytes;
      try (InputStream in = BuildTools.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new BuildException(
              resource + " is not on the class path; rebuild Tarmac with ./mvnw");
        }
        bytes = in.readAllBytes();
      }
      Path target = dir.resolve(prefix + Hashing.sha256Hex(bytes).substring(0, 12));
      ensureDir(dir);
      if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        requireOwn(target);
        return target;
      }
      Path part = Files.createTempDirectory(dir, ".part-");
      try {
        Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (tarball) {
          Path archive = part.resolve(".archive.tar.gz");
          Files.write(archive, bytes);
          Process tar =
              new ProcessBuilder(
                      "tar", "--no-same-owner", "-xzf", archive.toString(), "-C", part.toString())
                  .redirectErrorStream(true)
                  .start();
          String out = new String(tar.getInputStream().readAllBytes());
          if (!tar.waitFor(60, TimeUnit.SECONDS) || tar.exitValue() != 0) {
            tar.destroyForcibly();
            throw new BuildException("cannot unpack " + resource + " into " + part + ": " + out);
          }
          Files.delete(archive);
        } else {
          Path file = part.resolve("esbuild");
          Files.write(file, bytes);
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try {
          Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException
            | java.nio.file.DirectoryNotEmptyException e) {
          // another build made it at the same moment: as good
        }
      } finally {
        if (Files.exists(part, LinkOption.NOFOLLOW_LINKS)) {
          TreeFiles.deleteRecursively(part);
        }
      }
      requireOwn(target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + resource + " into " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BuildException("interrupted while extracting " + resource);
    }
  }

  private static void ensureDir(Path dir) throws IOException {
    Owned.directory(dir, "rwxr-xr-x");
    requireOwn(dir);
  }

  /** The service's own, not a link, writable by no one else: else nothing of it is run. */
  private static void requireOwn(Path path) throws IOException {
    Owned owned = Owned.of(path);
    if (!owned.onlyOurs()) {
      throw new BuildException(
          "the build tools directory "
              + path
              + " is not the service's own (owner uid "
              + owned.owner()
              + ", mode "
              + owned.mode()
              + "): nothing in it is run. Remove it; Tarmac extracts the tools again");
    }
  }
}
