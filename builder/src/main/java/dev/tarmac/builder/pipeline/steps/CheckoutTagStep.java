package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.TreeSet;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Fetches the app's mirror and writes the tag's tree into an empty directory: files with their
 * executable bit, symlinks as symlinks, no {@code .git}. Submodules are not followed.
 */
public final class CheckoutTagStep implements BuildStep<CheckoutTagStep.CheckedOut> {
  /** The commit the tag points at, its time (used as every file's time in the tarball). */
  public record CheckedOut(Path tree, String commit, Instant commitTime, int files) {}

  private final GitMirrors mirrors;
  private final String app;
  private final String repo;
  private final String tag;
  private final Path tree;
  private final BuildLog log;

  public CheckoutTagStep(
      GitMirrors mirrors, String app, String repo, String tag, Path tree, BuildLog log) {
    this.mirrors = mirrors;
    this.app = app;
    this.repo = repo;
    this.tag = tag;
    this.tree = tree;
    this.log = log;
  }

  @Override
  public CheckedOut run() throws Exception {
    try (Repository repository = mirrors.update(app, repo);
        RevWalk walk = new RevWalk(repository);
        ObjectReader reader = repository.newObjectReader()) {
      ObjectId id = repository.resolve("refs/tags/" + tag + "^{commit}");
      if (id == null) {
        TreeSet<String> tags = new TreeSet<>();
        for (Ref ref : repository.getRefDatabase().getRefsByPrefix("refs/tags/")) {
          tags.add(ref.getName().substring("refs/tags/".length()));
        }
        throw new BuildException(
            "tag "
                + tag
                + " is not in "
                + repo
                + (tags.isEmpty()
                    ? " (it has no tags)"
                    : "; its tags: "
                        + String.join(", ", tags.descendingSet().stream().limit(10).toList()))
                + ". Push the tag (git push origin "
                + tag
                + ") and build again.");
      }
      RevCommit commit = walk.parseCommit(id);
      log.line("checkout: " + tag + " is commit " + commit.name() + " (" + repo + ")");
      Files.createDirectories(tree);
      int files = 0;
      try (TreeWalk treeWalk = new TreeWalk(repository)) {
        treeWalk.addTree(commit.getTree());
        treeWalk.setRecursive(true);
        while (treeWalk.next()) {
          FileMode mode = treeWalk.getFileMode(0);
          Path target = tree.resolve(treeWalk.getPathString());
          Files.createDirectories(target.getParent());
          if (mode == FileMode.GITLINK) {
            log.line(
                "checkout: skipping submodule "
                    + treeWalk.getPathString()
                    + " (submodules are not shipped)");
          } else if (mode == FileMode.SYMLINK) {
            String link =
                new String(reader.open(treeWalk.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
            Files.createSymbolicLink(target, Path.of(link));
            files++;
          } else {
            try (OutputStream out = Files.newOutputStream(target)) {
              reader.open(treeWalk.getObjectId(0)).copyTo(out);
            }
            Files.setPosixFilePermissions(
                target,
                PosixFilePermissions.fromString(
                    mode == FileMode.EXECUTABLE_FILE ? "rwxr-xr-x" : "rw-r--r--"));
            files++;
          }
        }
      }
      log.line("checkout: wrote " + files + " files");
      return new CheckedOut(
          tree, commit.name(), Instant.ofEpochSecond(commit.getCommitTime()), files);
    }
  }
}
