package dev.tarmac.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The tree of one commit of a working copy's repository, written to a temporary directory: what
 * {@code tarmac build --local --commit REF} builds, so that uncommitted files stay out as they stay
 * out of a tag's build. Files keep their executable bit; symbolic links stay links (the build
 * judges where they point); submodules are left out, as the service's checkout leaves them.
 */
final class CommitExport {
  private CommitExport() {}

  static Path export(Path dir, String ref) throws IOException {
    Path from = dir.toAbsolutePath().normalize();
    FileRepositoryBuilder found = new FileRepositoryBuilder().findGitDir(from.toFile());
    if (found.getGitDir() == null) {
      throw new CliException(
          CliException.USAGE, from + " is not in a git repository: --commit needs one");
    }
    try (Repository repo = found.setMustExist(true).build();
        RevWalk walk = new RevWalk(repo)) {
      ObjectId id = repo.resolve(ref + "^{commit}");
      if (id == null) {
        throw new CliException(
            CliException.USAGE,
            "no commit or tag `" + ref + "` in " + repo.getDirectory().getParent());
      }
      RevCommit commit = walk.parseCommit(id);
      Path out = Files.createTempDirectory("tarmac-build-" + commit.abbreviate(10).name() + "-");
      try (TreeWalk tree = new TreeWalk(repo)) {
        tree.addTree(commit.getTree());
        tree.setRecursive(true);
        while (tree.next()) {
          FileMode mode = tree.getFileMode(0);
          if (mode == FileMode.GITLINK) {
            continue;
          }
          Path target = out.resolve(tree.getPathString()).normalize();
          if (!target.startsWith(out)) {
            throw new CliException(
                CliException.USAGE,
                "a path of " + ref + " leaves the tree: " + tree.getPathString());
          }
          Files.createDirectories(target.getParent());
          ObjectLoader object = repo.open(tree.getObjectId(0));
          if (mode == FileMode.SYMLINK) {
            Files.createSymbolicLink(
                target, Path.of(new String(object.getBytes(), StandardCharsets.UTF_8)));
            continue;
          }
          try (OutputStream o = Files.newOutputStream(target)) {
            object.copyTo(o); // streamed: a large file is not held in memory
          }
          if (mode == FileMode.EXECUTABLE_FILE && !target.toFile().setExecutable(true, false)) {
            throw new IOException("cannot make " + target + " executable");
          }
        }
      }
      return out;
    }
  }

  static void delete(Path tree) throws IOException {
    try (Stream<Path> all = Files.walk(tree)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
