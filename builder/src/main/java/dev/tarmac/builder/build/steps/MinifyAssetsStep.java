package dev.tarmac.builder.build.steps;

import dev.tarmac.builder.assets.Esbuild;
import dev.tarmac.builder.build.BuildException;
import dev.tarmac.builder.build.BuildLog;
import dev.tarmac.builder.build.BuildStep;
import dev.tarmac.builder.build.Globs;
import dev.tarmac.builder.build.Processes;
import dev.tarmac.builder.build.TreeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Minifies, in place, every JS and CSS file that the {@code build.minify} globs match, with esbuild
 * ({@code --minify}, no bundling), in batches of files per process.
 */
public final class MinifyAssetsStep implements BuildStep<MinifyAssetsStep.Minified> {
  public record Minified(int files, long bytesBefore, long bytesAfter) {}

  private static final int BATCH = 400;

  private final Path cacheDir;
  private final Path tree;
  private final List<String> globs;
  private final BuildLog log;

  public MinifyAssetsStep(Path cacheDir, Path tree, List<String> globs, BuildLog log) {
    this.cacheDir = cacheDir;
    this.tree = tree;
    this.globs = globs;
    this.log = log;
  }

  @Override
  public Minified run() throws Exception {
    if (globs.isEmpty()) {
      return new Minified(0, 0, 0);
    }
    List<Path> files = new ArrayList<>();
    for (Path p : TreeFiles.matching(tree, new Globs(globs))) {
      String name = p.getFileName().toString();
      if (name.endsWith(".js") || name.endsWith(".mjs") || name.endsWith(".css")) {
        files.add(p);
      }
    }
    if (files.isEmpty()) {
      return new Minified(0, 0, 0);
    }
    Path esbuild = Esbuild.binary(cacheDir);
    long before = 0;
    for (Path p : files) {
      before += Files.size(p);
    }
    for (int i = 0; i < files.size(); i += BATCH) {
      List<String> command =
          new ArrayList<>(
              List.of(
                  esbuild.toString(),
                  "--minify",
                  "--charset=utf8",
                  "--log-level=warning",
                  "--allow-overwrite",
                  "--outbase=.",
                  "--outdir=."));
      for (Path p : files.subList(i, Math.min(files.size(), i + BATCH))) {
        command.add(TreeFiles.relative(tree, p));
      }
      Processes.Outcome outcome =
          Processes.run(
              new ProcessBuilder(command).directory(tree.toFile()),
              Duration.ofMinutes(5),
              log,
              "esbuild: ");
      if (outcome.exitCode() != 0) {
        throw new BuildException(
            "minify (esbuild) failed"
                + (outcome.timedOut()
                    ? " after 5 minutes"
                    : " with exit code " + outcome.exitCode())
                + ":\n"
                + outcome.tailText());
      }
    }
    long after = 0;
    for (Path p : files) {
      after += Files.size(p);
    }
    log.line("minify: " + files.size() + " files, " + before + " -> " + after + " bytes");
    return new Minified(files.size(), before, after);
  }
}
