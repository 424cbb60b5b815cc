package dev.tarmac.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tarmac check}: the service's own config reader and build steps, run on the working copy
 * (no tag, no service): the service's jars are run as a plain Java program ({@code
 * dev.tarmac.builder.pipeline.LocalBuild}), as `tarmac serve` runs the service.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description =
        "Check the tarmac.yml of a working copy (every problem at once, with line and key) and,"
            + " with --build, build the working copy as a tag would be built, without publishing:"
            + " the build log, the artifact's files and sizes, each step's time.",
    footer = {
      "",
      "Examples:",
      "  tarmac check",
      "  tarmac check ~/src/shop --build --out /tmp/shop-build",
      "",
      "Exit codes: 0 valid (and built), 3 tarmac.yml invalid or missing, 1 the build failed."
    })
public final class CheckCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      defaultValue = ".",
      description = "the app's working copy (default: .)")
  Path dir;

  @Option(names = "--build", description = "also build the working copy (nothing is published)")
  boolean build;

  @Option(
      names = "--out",
      description =
          "where the built tree goes (and OUT.tar.gz, OUT.log); default: <tmp>/tarmac-check/<dir>")
  Path out;

  @Override
  public Integer call() throws Exception {
    return runLocal(dir, build, build && out == null ? defaultOut(dir) : out);
  }

  /**
   * Where a build of the working copy {@code dir} goes without {@code --out}: {@code
   * <tmp>/tarmac-check/<dir's name>}, outside the working copy (nothing written into it, nothing of
   * an earlier build shipped by the next). {@code <tmp>/tarmac-check} is made this user's alone;
   * one that is not (another user's, a link) is refused rather than built into.
   */
  static Path defaultOut(Path dir) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    Path parent = Path.of(System.getProperty("java.io.tmpdir"), "tarmac-check").toAbsolutePath();
    if (!Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectories(
            parent,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException raced) {
        // made meanwhile: judged below as any other
      }
    }
    if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)
        // this process's uid: the owner of /proc/self
        || !Files.getAttribute(parent, "unix:uid", LinkOption.NOFOLLOW_LINKS)
            .equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
      throw new CliException(
          CliException.USAGE,
          parent + " is not a directory of this user's; give the build a place with --out DIR");
    }
    return parent.resolve(root.getFileName() == null ? "root" : root.getFileName().toString());
  }

  /** Checks (and with {@code build}, builds into {@code out}) {@code dir}: LocalBuild, here. */
  static int runLocal(Path dir, boolean build, Path out) throws Exception {
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new CliException(CliException.USAGE, root + " is not a directory");
    }
    Path app = ServiceProcess.serviceJar().getParent();
    String classpath =
        String.join(
            java.io.File.pathSeparator,
            app.resolve("app/*").toString(),
            app.resolve("lib/main/*").toString(),
            app.resolve("lib/boot/*").toString());
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classpath,
                "dev.tarmac.builder.pipeline.LocalBuild",
                root.toString()));
    if (build) {
      command.add("--build");
    }
    if (out != null) {
      command.addAll(List.of("--out", out.toAbsolutePath().toString()));
    }
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }
}
