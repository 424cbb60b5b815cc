package dev.tarmac.builder.build.steps;

import dev.tarmac.builder.build.BuildLog;
import dev.tarmac.builder.build.BuildStep;
import dev.tarmac.builder.build.Globs;
import dev.tarmac.builder.build.TreeFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Drops the {@code build.exclude} paths (a matched directory goes whole) and any {@code .git}. */
public final class ExcludePathsStep implements BuildStep<ExcludePathsStep.Excluded> {
  public record Excluded(List<String> removed) {}

  private final Path tree;
  private final Globs globs;
  private final BuildLog log;

  public ExcludePathsStep(Path tree, List<String> exclude, BuildLog log) {
    List<String> all = new ArrayList<>(exclude);
    all.add(".git");
    this.tree = tree;
    this.globs = new Globs(all);
    this.log = log;
  }

  @Override
  public Excluded run() {
    List<String> removed = new ArrayList<>();
    String under = null;
    for (String path : TreeFiles.allPaths(tree)) {
      if (under != null && path.startsWith(under + "/")) {
        continue;
      }
      if (globs.matches(path)) {
        TreeFiles.deleteRecursively(tree.resolve(path));
        removed.add(path);
        under = path;
      }
    }
    if (!removed.isEmpty()) {
      log.line("exclude: removed " + String.join(", ", removed));
    }
    return new Excluded(removed);
  }
}
