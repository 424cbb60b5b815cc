package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.workspace.BuildException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The esbuild binary shipped inside the {@code org.mvnpm.at.esbuild:linux-x64} jar, extracted once
 * to a cache directory and run as a process. No network at run time.
 */
public final class Esbuild {
  public static final String VERSION = "0.25.10";
  private static final String RESOURCE =
      "META-INF/resources/_static/linux-x64/" + VERSION + "/bin/esbuild";

  private Esbuild() {}

  /** The path of the executable under {@code cacheDir}, extracting it on first use. */
  public static synchronized Path binary(Path cacheDir) {
    Path target = cacheDir.resolve("esbuild-" + VERSION).resolve("esbuild");
    if (Files.isExecutable(target)) {
      return target;
    }
    try (InputStream in = Esbuild.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new BuildException(
            "the esbuild binary ("
                + RESOURCE
                + ") is not on the class path; rebuild Tarmac with ./mvnw");
      }
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempFile(target.getParent(), "esbuild", ".part");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract esbuild to " + target, e);
    }
  }
}
