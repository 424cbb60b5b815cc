package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.Deadline;
import dev.tarmac.builder.workspace.Globs;
import dev.tarmac.builder.workspace.TreeFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The last step before packing: drops the {@code build.exclude} paths (a matched directory goes
 * whole), any {@code .git}, and every Sass source ({@code .scss}/{@code .sass}: they are compiled
 * by then, and the app's own commands could still read them); then removes the directories these
 * removals left empty (a directory that was empty in the repository stays).
 */
public final class ExcludePathsStep implements BuildStep<ExcludePathsStep.Excluded> {
  public record Excluded(List<String> removed, int sassSources, List<String> emptyDirs) {}

  private static final Globs SASS_SOURCES = new Globs(List.of("*.scss", "*.sass"));

  private final Path tree;
  private final Globs globs;
  private final BuildLog log;
  private Deadline deadline = Deadline.NONE;

  /** Ends the step at {@code deadline} (the build's), checked at every path. */
  public ExcludePathsStep ending(Deadline deadline) {
    this.deadline = deadline;
    return this;
  }

  public ExcludePathsStep(Path tree, List<String> exclude, BuildLog log) {
    List<String> all = new ArrayList<>(exclude);
    all.add(".git");
    this.tree = tree;
    this.globs = new Globs(all);
    this.log = log;
  }

  @Override
  public Excluded run() throws IOException {
    List<String> removed = new ArrayList<>();
    List<Path> parents = new ArrayList<>();
    String under = null;
    for (String path : TreeFiles.allPaths(tree, deadline, "exclude")) {
      if (under != null && path.startsWith(under + "/")) {
        continue;
      }
      if (globs.matches(path)) {
        Path p = tree.resolve(path);
        TreeFiles.deleteRecursively(p);
        removed.add(path);
        parents.add(p.getParent());
        under = path;
      }
    }
    int sassSources = 0;
    for (Path source : TreeFiles.matching(tree, SASS_SOURCES, deadline, "exclude")) {
      Files.delete(source);
      parents.add(source.getParent());
      sassSources++;
    }
    List<String> emptyDirs = new ArrayList<>();
    for (Path dir : parents) {
      while (!dir.equals(tree) && dir.startsWith(tree) && isEmptyDirectory(dir)) {
        Files.delete(dir);
        emptyDirs.add(TreeFiles.relative(tree, dir));
        dir = dir.getParent();
      }
    }
    if (!removed.isEmpty()) {
      log.line("exclude: removed " + String.join(", ", removed));
    }
    if (sassSources > 0) {
      log.line("exclude: removed " + sassSources + " Sass source files (.scss/.sass)");
    }
    if (!emptyDirs.isEmpty()) {
      log.line("exclude: removed directories left empty: " + String.join(", ", emptyDirs));
    }
    return new Excluded(removed, sassSources, emptyDirs);
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return !entries.iterator().hasNext();
    }
  }
}
