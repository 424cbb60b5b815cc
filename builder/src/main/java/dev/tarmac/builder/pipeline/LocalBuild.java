package dev.tarmac.builder.pipeline;

import dev.tarmac.builder.pipeline.steps.PackTarballStep;
import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.Globs;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.deploy.config.ConfigException;
import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.FileTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.WorkingTreeIterator;

/**
 * {@code tarmac check}: validates the {@code tarmac.yml} of a working copy and, asked to, runs the
 * build's tree steps ({@link BuildPipeline#treeSteps}, the same as for a tag) on a copy of the
 * working tree (what git would see: {@code .gitignore}d files and {@code .git} left out,
 * uncommitted changes in), then packs it as a build would, without publishing. Runs without the
 * service: the CLI starts it as {@code java -cp <the service's jars>
 * dev.tarmac.builder.pipeline.LocalBuild}.
 */
public final class LocalBuild {
  /** A valid config, and what looks wrong in the working copy (not fatal: commands may fix it). */
  public record Checked(TarmacConfig config, List<String> notes) {}

  public record Built(Checked checked, List<StepTiming> timings, long size, List<String> files) {}

  private LocalBuild() {}

  private static String noConfig(Path dir) {
    return "there is no tarmac.yml in "
        + dir
        + ": it is what tells Tarmac how to build and release this app; `tarmac init --dir "
        + dir
        + "` writes one fitted to the repository";
  }

  /** Reads and validates {@code dir/tarmac.yml}; every problem at once in a ConfigException. */
  public static Checked check(Path dir) throws IOException {
    Path file = dir.resolve("tarmac.yml");
    if (!Files.isRegularFile(file)) {
      throw new BuildException(noConfig(dir));
    }
    TarmacConfig config = ConfigReader.read(Files.readString(file), "tarmac.yml");
    TarmacConfig.Build build = config.build();
    List<String> notes = new ArrayList<>();
    List<String> paths = TreeFiles.allPaths(dir);
    boolean commands = !build.commands().isEmpty();
    String unlessCommands = commands ? " (fine if build.commands makes it)" : "";
    for (int i = 0; i < build.sass().size(); i++) {
      var entry = build.sass().get(i);
      if (!Files.isRegularFile(dir.resolve(entry.from()))) {
        notes.add(
            "build.sass[" + i + "].from: " + entry.from() + " does not exist" + unlessCommands);
      }
      for (String loadPath : entry.loadPaths()) {
        if (!Files.isDirectory(dir.resolve(loadPath))) {
          notes.add(
              "build.sass[" + i + "].load_paths: " + loadPath + " does not exist" + unlessCommands);
        }
      }
    }
    for (String glob : build.minify()) {
      Globs one = new Globs(List.of(glob));
      boolean fromSass = build.sass().stream().anyMatch(e -> one.matches(e.to()));
      if (!fromSass && paths.stream().noneMatch(one::matches)) {
        notes.add("build.minify: '" + glob + "' matches no file" + unlessCommands);
      }
    }
    for (String glob : build.exclude()) {
      Globs one = new Globs(List.of(glob));
      if (paths.stream().noneMatch(one::matches)) {
        notes.add("build.exclude: '" + glob + "' matches nothing" + unlessCommands);
      }
    }
    return new Checked(config, notes);
  }

  private static Map<String, String> localEnvironment(TarmacConfig config) {
    Map<String, String> env = new java.util.LinkedHashMap<>(config.build().env());
    env.put("TARMAC_APP", config.app());
    env.put("TARMAC_VERSION", "local");
    env.put("TARMAC_TAG", "local");
    env.put("TARMAC_COMMIT", "local");
    return env;
  }

  /**
   * Checks, then builds the working copy {@code dir} in {@code work} (removed afterwards) and
   * leaves the artifact's tree in {@code out} (replaced) and the tarball beside it ({@code
   * out.tar.gz}); an {@code out} inside {@code dir} is not copied into the build.
   */
  public static Built build(Path dir, Path out, BuildLog log) throws Exception {
    Checked checked = check(dir);
    TarmacConfig config = checked.config();
    Files.createDirectories(out.toAbsolutePath().getParent());
    Path work = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".tarmac-check-");
    try {
      BuildPipeline.Timer timer = new BuildPipeline.Timer(log);
      Path tree = work.resolve("tree");
      log.line("build " + config.app() + " from the working copy " + dir + " (not published)");
      // an --out inside the working copy: neither it nor its log and tarball are the app's
      List<Path> ours = List.of(out, work, beside(out, ".tar.gz"), beside(out, ".log"));
      int copied = timer.step("copy working tree", () -> copyWorkingTree(dir, tree, ours));
      log.line("copied " + copied + " files (.gitignored files and .git left out)");
      BuildPipeline.treeSteps(
          timer,
          tree,
          config,
          localEnvironment(config),
          // a developer's own working copy, built as the developer: no other user, no namespaces
          new BuildSandbox(
              BuildSandbox.Settings.defaults().withIsolation(BuildSandbox.Isolation.NONE), work),
          config.app() + "-local",
          log,
          // a working copy's build keeps no cache: nothing of it outlives the check
          java.util.Optional.empty());
      Path tarball = beside(out, ".tar.gz");
      var packed =
          timer.step(
              "pack",
              new PackTarballStep(tree, tarball, Instant.now().truncatedTo(ChronoUnit.SECONDS)));
      log.line(
          "pack: "
              + packed.size()
              + " bytes, "
              + packed.manifest().entries().size()
              + " files -> "
              + tarball);
      TreeFiles.deleteRecursively(out);
      Files.createDirectories(out.getParent());
      Files.move(tree, out, StandardCopyOption.ATOMIC_MOVE);
      List<String> files = new ArrayList<>();
      for (var e : packed.manifest().entries()) {
        files.add(e.path());
      }
      return new Built(checked, timer.timings, packed.size(), files);
    } finally {
      TreeFiles.deleteRecursively(work);
    }
  }

  /** {@code out}'s log or tarball: {@code OUT.log}, {@code OUT.tar.gz}. */
  static Path beside(Path out, String suffix) {
    return out.resolveSibling(out.getFileName() + suffix);
  }

  /** Copies what git sees of the working tree: tracked and untracked, not ignored, no .git. */
  static int copyWorkingTree(Path dir, Path tree, List<Path> skip) throws IOException {
    Files.createDirectories(tree);
    if (!Files.exists(dir.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
      int n = 0;
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          String rel = TreeFiles.relative(dir, p);
          if (p.equals(dir)
              || rel.equals(".git")
              || rel.startsWith(".git/")
              || skip.stream().anyMatch(p::startsWith)) {
            continue;
          }
          n += copyOne(p, tree.resolve(rel));
        }
      }
      return n;
    }
    int n = 0;
    try (Repository repo =
            new FileRepositoryBuilder()
                .findGitDir(dir.toFile()) // also a worktree's or submodule's `.git` file
                .setWorkTree(dir.toFile())
                .setMustExist(true)
                .build();
        TreeWalk walk = new TreeWalk(repo)) {
      walk.addTree(new FileTreeIterator(repo));
      walk.setRecursive(false);
      while (walk.next()) {
        WorkingTreeIterator entry = walk.getTree(0, WorkingTreeIterator.class);
        Path from = dir.resolve(walk.getPathString());
        if (entry.isEntryIgnored()
            || walk.getFileMode(0) == FileMode.GITLINK
            || skip.stream().anyMatch(from::startsWith)) {
          continue;
        }
        Path to = tree.resolve(walk.getPathString());
        if (walk.isSubtree()) {
          Files.createDirectories(to);
          walk.enterSubtree();
        } else {
          n += copyOne(from, to);
        }
      }
    }
    return n;
  }

  private static int copyOne(Path from, Path to) throws IOException {
    if (Files.isSymbolicLink(from)) {
      Files.createDirectories(to.getParent());
      Files.createSymbolicLink(to, Files.readSymbolicLink(from));
      return 1;
    }
    if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(to);
      return 0;
    }
    Files.createDirectories(to.getParent());
    Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    Files.setPosixFilePermissions(
        to, PosixFilePermissions.fromString(Files.isExecutable(from) ? "rwxr-xr-x" : "rw-r--r--"));
    return 1;
  }

  /**
   * {@code LocalBuild DIR [--build --out OUT]}: exit 0 when valid (and built), 3 when tarmac.yml is
   * invalid, 1 when the build failed. Prints to standard output.
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Path dir = Path.of(".");
    Path target = null;
    boolean build = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--build" -> build = true;
        case "--out" -> target = Path.of(args[++i]);
        default -> dir = Path.of(args[i]);
      }
    }
    dir = dir.toAbsolutePath().normalize();
    System.exit(run(dir, build, target, out));
  }

  static int run(Path dir, boolean build, Path target, PrintStream out) throws Exception {
    if (!Files.isRegularFile(dir.resolve("tarmac.yml"))) {
      out.println(noConfig(dir));
      return 3;
    }
    try {
      if (!build) {
        Checked checked = check(dir);
        printChecked(checked, dir, out);
        return 0;
      }
      if (target == null) {
        // the CLI says where (outside the working copy: CheckCommand.defaultOut)
        throw new IllegalArgumentException("--build needs --out DIR");
      }
      Path outDir = target.toAbsolutePath();
      Path logFile = beside(outDir, ".log");
      Files.deleteIfExists(logFile);
      Built built;
      try (BuildLog log = new BuildLog(logFile)) {
        try {
          built = build(dir, outDir, log);
        } finally {
          log.close();
          out.println("build log (" + logFile + "):");
          Files.readAllLines(logFile).forEach(l -> out.println("  " + l));
        }
      }
      printChecked(built.checked(), dir, out);
      out.println(
          "artifact: " + built.files().size() + " files, " + built.size() + " bytes (tar.gz)");
      for (String f : built.files()) {
        out.printf("  %10d  %s%n", Files.size(outDir.resolve(f)), f);
      }
      out.println("steps:");
      for (StepTiming t : built.timings()) {
        out.printf("  %-18s %6d ms%n", t.step(), t.millis());
      }
      out.println("tree in " + outDir + ", tarball " + outDir + ".tar.gz (nothing published)");
      return 0;
    } catch (ConfigException e) {
      out.println(e.getMessage().replace("Fix it and tag again", "Fix it"));
      return 3;
    } catch (BuildException e) {
      out.println("build failed: " + e.getMessage());
      return 1;
    }
  }

  private static void printChecked(Checked checked, Path dir, PrintStream out) {
    out.println(
        dir.resolve("tarmac.yml")
            + " is valid (app "
            + checked.config().app()
            + (checked.config().environments().isEmpty()
                ? "; no environments block: where it runs is registered in the service, tarmac"
                    + " env set"
                : ", environments " + String.join(", ", checked.config().environments().keySet()))
            + ")");
    for (String note : checked.notes()) {
      out.println("  note: " + note);
    }
  }
}
