package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.TreeSet;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectChecker;
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

  private static final ObjectChecker CHECKER = new ObjectChecker();

  private final GitMirrors mirrors;
  private final String app;
  private final String repo;
  private final String tag;
  private final Path tree;
  private final BuildLog log;
  private final String commit;
  private final String what;

  public CheckoutTagStep(
      GitMirrors mirrors, String app, String repo, String tag, Path tree, BuildLog log) {
    this(mirrors, app, repo, tag, null, "tag " + tag, tree, log);
  }

  /**
   * With a {@code commit} (40 hex digits; then {@code tag} is null): that commit, which {@code
   * what} ({@code branch main}) named when the build was asked for (docs/architecture.md, "Builds
   * from any ref").
   */
  public CheckoutTagStep(
      GitMirrors mirrors,
      String app,
      String repo,
      String tag,
      String commit,
      String what,
      Path tree,
      BuildLog log) {
    this.mirrors = mirrors;
    this.app = app;
    this.repo = repo;
    this.tag = tag;
    this.commit = commit;
    this.what = what;
    this.tree = tree;
    this.log = log;
  }

  @Override
  public CheckedOut run() throws Exception {
    try (Repository repository = mirrors.update(app, repo);
        RevWalk walk = new RevWalk(repository);
        ObjectReader reader = repository.newObjectReader()) {
      ObjectId id =
          repository.resolve(
              commit != null ? commit + "^{commit}" : "refs/tags/" + tag + "^{commit}");
      if (id == null && commit != null) {
        throw new BuildException(
            "commit "
                + commit
                + " ("
                + what
                + ") is no longer in "
                + repo
                + "; push it again, or build the branch again (tarmac build "
                + app
                + " --ref BRANCH)");
      }
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
      RevCommit head = walk.parseCommit(id);
      log.line(
          "checkout: "
              + (tag != null ? tag : what)
              + " is commit "
              + head.name()
              + " ("
              + repo
              + ")");
      Files.createDirectories(tree);
      int files = 0;
      try (TreeWalk treeWalk = new TreeWalk(repository)) {
        treeWalk.addTree(head.getTree());
        treeWalk.setRecursive(true);
        while (treeWalk.next()) {
          FileMode mode = treeWalk.getFileMode(0);
          Path target = entryPath(treeWalk.getPathString());
          if (mode == FileMode.GITLINK) {
            log.line(
                "checkout: skipping submodule "
                    + treeWalk.getPathString()
                    + " (submodules are not shipped)");
          } else if (mode == FileMode.SYMLINK) {
            String link =
                new String(reader.open(treeWalk.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
            try {
              Files.createSymbolicLink(target, Path.of(link));
            } catch (FileAlreadyExistsException e) {
              throw refused(treeWalk.getPathString(), "it is in the tree twice");
            }
            files++;
          } else {
            // CREATE_NEW: never through a link an entry of the same name made
            try (OutputStream out = newFile(target, treeWalk.getPathString())) {
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
      return new CheckedOut(tree, head.name(), Instant.ofEpochSecond(head.getCommitTime()), files);
    }
  }

  /**
   * Where an entry goes: every name a plain one git itself would check out (not empty, {@code .},
   * {@code ..}, {@code .git}, nor holding {@code /}), its directories made in the tree and each a
   * real directory, not a link an earlier entry of the same name made. A tag's tree is whoever
   * pushed it: git refuses such trees (fsck), but a server with {@code receive.fsckObjects} off
   * (git's default) takes them, and this runs as the service.
   */
  private Path entryPath(String path) throws IOException {
    try {
      CHECKER.checkPath(path);
    } catch (CorruptObjectException e) {
      throw refused(path, e.getMessage());
    }
    Path target = tree;
    String[] names = path.split("/", -1);
    for (int i = 0; i < names.length; i++) {
      target = target.resolve(names[i]);
      if (i == names.length - 1) {
        break;
      }
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(target);
      } else if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        throw refused(
            path,
            String.join("/", java.util.Arrays.copyOf(names, i + 1))
                + " is not a directory in the tree");
      }
    }
    return target;
  }

  private OutputStream newFile(Path target, String path) throws IOException {
    try {
      return Files.newOutputStream(
          target,
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
    } catch (FileAlreadyExistsException e) {
      throw refused(path, "it is in the tree twice");
    }
  }

  private BuildException refused(String path, String why) {
    return new BuildException(
        "checkout: the tree of tag "
            + tag
            + " has an entry git would not check out, "
            + path
            + " ("
            + why
            + "); nothing of it is built. Run git fsck on the repository");
  }
}
