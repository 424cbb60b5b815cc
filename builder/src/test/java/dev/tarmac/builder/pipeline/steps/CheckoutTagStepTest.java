package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tag's tree is the pusher's: git itself refuses trees whose names are {@code ..}, hold a {@code
 * /}, or repeat (git fsck), but a server with {@code receive.fsckObjects} off (git's default) takes
 * them, and the checkout runs as the service (root), before any sandbox. Nothing of such a tree may
 * be written outside the build's tree.
 */
class CheckoutTagStepTest {
  @TempDir Path tmp;

  /** One raw tree entry: mode, name, object. */
  private static void entry(ByteArrayOutputStream out, FileMode mode, String name, ObjectId id) {
    out.writeBytes(mode.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(' ');
    out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    byte[] raw = new byte[20];
    id.copyRawTo(raw, 0);
    out.writeBytes(raw);
  }

  /** A repository whose tag v1 points at a commit of {@code rootTree(inserter)}. */
  private Path repo(TreeMaker rootTree) throws Exception {
    Path dir = tmp.resolve("repo.git");
    try (Git git = Git.init().setBare(true).setDirectory(dir.toFile()).call();
        ObjectInserter ins = git.getRepository().newObjectInserter()) {
      Repository r = git.getRepository();
      ObjectId tree = rootTree.make(ins);
      CommitBuilder c = new CommitBuilder();
      c.setTreeId(tree);
      PersonIdent who = new PersonIdent("attacker", "a@example.com");
      c.setAuthor(who);
      c.setCommitter(who);
      c.setMessage("evil\n");
      ObjectId commit = ins.insert(c);
      ins.flush();
      for (String ref : new String[] {"refs/heads/main", "refs/tags/v1"}) {
        RefUpdate u = r.updateRef(ref);
        u.setNewObjectId(commit);
        u.forceUpdate();
      }
      r.updateRef(Constants.HEAD).link("refs/heads/main");
    }
    return dir;
  }

  interface TreeMaker {
    ObjectId make(ObjectInserter ins) throws Exception;
  }

  private void checkout(Path repo) throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    new CheckoutTagStep(
            new GitMirrors(data.resolve("git"), new RepoSecrets(data)),
            "evil",
            repo.toUri().toString(),
            "v1",
            tmp.resolve("work/tree"),
            new BuildLog(tmp.resolve("build.log")))
        .run();
  }

  /** The checkout fails naming the entry (not earlier, at the fetch: the tree must be reached). */
  private void refused(Path repo) {
    assertThatThrownBy(() -> checkout(repo))
        .isInstanceOf(BuildException.class)
        .hasMessageNotContaining("cannot fetch")
        .hasMessageContaining("v1");
  }

  @Test
  void aTreeNamedDotDotWritesNothingOutsideTheTree() throws Exception {
    Path repo =
        repo(
            ins -> {
              ObjectId blob = ins.insert(Constants.OBJ_BLOB, "planted\n".getBytes());
              ByteArrayOutputStream inner = new ByteArrayOutputStream();
              entry(inner, FileMode.REGULAR_FILE, "escaped.txt", blob);
              ObjectId dotdot = ins.insert(Constants.OBJ_TREE, inner.toByteArray());
              ByteArrayOutputStream mid = new ByteArrayOutputStream();
              entry(mid, FileMode.TREE, "..", dotdot);
              ObjectId twice = ins.insert(Constants.OBJ_TREE, mid.toByteArray());
              ByteArrayOutputStream root = new ByteArrayOutputStream();
              entry(root, FileMode.TREE, "..", twice);
              return ins.insert(Constants.OBJ_TREE, root.toByteArray());
            });

    refused(repo);

    // work/tree/../../escaped.txt is tmp/escaped.txt
    assertThat(tmp.resolve("escaped.txt")).doesNotExist();
  }

  @Test
  void aSymlinkAndADirectoryOfOneNameWriteNothingThroughTheLink() throws Exception {
    Path outside = tmp.resolve("outside");
    Files.createDirectories(outside);
    Path repo =
        repo(
            ins -> {
              ObjectId target =
                  ins.insert(
                      Constants.OBJ_BLOB, outside.toString().getBytes(StandardCharsets.UTF_8));
              ObjectId blob = ins.insert(Constants.OBJ_BLOB, "planted\n".getBytes());
              ByteArrayOutputStream inner = new ByteArrayOutputStream();
              entry(inner, FileMode.REGULAR_FILE, "pwned", blob);
              ObjectId dir = ins.insert(Constants.OBJ_TREE, inner.toByteArray());
              ByteArrayOutputStream root = new ByteArrayOutputStream();
              // "a" sorts before "a/": a valid order, a name twice (git fsck: duplicateEntries)
              entry(root, FileMode.SYMLINK, "a", target);
              entry(root, FileMode.TREE, "a", dir);
              return ins.insert(Constants.OBJ_TREE, root.toByteArray());
            });

    refused(repo);

    assertThat(outside.resolve("pwned")).doesNotExist();
  }

  @Test
  void aSymlinkAndAFileOfOneNameWriteNothingThroughTheLink() throws Exception {
    Path outside = tmp.resolve("outside.txt");
    Files.writeString(outside, "the service's file\n");
    Path repo =
        repo(
            ins -> {
              ObjectId target =
                  ins.insert(
                      Constants.OBJ_BLOB, outside.toString().getBytes(StandardCharsets.UTF_8));
              ObjectId blob = ins.insert(Constants.OBJ_BLOB, "overwritten\n".getBytes());
              ByteArrayOutputStream root = new ByteArrayOutputStream();
              entry(root, FileMode.SYMLINK, "a", target);
              entry(root, FileMode.REGULAR_FILE, "a", blob);
              return ins.insert(Constants.OBJ_TREE, root.toByteArray());
            });

    refused(repo);

    assertThat(outside).hasContent("the service's file");
  }
}
