package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.builder.git.RepoSecrets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror a build checks out from. A repository made with {@code git init --bare} keeps {@code
 * HEAD -> refs/heads/master} while its users push {@code main}: its HEAD names no branch. The
 * walk-through of 2026-12-07 registered such a repository and every tag's build failed at checkout
 * with "Remote branch 'HEAD' not found in upstream origin" — a tag build needs tags and branches,
 * never HEAD.
 */
class GitMirrorsTest {
  @TempDir Path tmp;

  /** A bare repository whose HEAD points at a branch that does not exist. */
  private Path repoWithDanglingHead() throws Exception {
    Path work = tmp.resolve("work");
    try (Git git = Git.init().setInitialBranch("main").setDirectory(work.toFile()).call()) {
      Files.writeString(work.resolve("index.html"), "v1\n");
      git.add().addFilepattern(".").call();
      git.commit()
          .setMessage("v1")
          .setAuthor("a", "a@example.com")
          .setCommitter("a", "a@example.com")
          .call();
      git.tag().setName("v1").call();
    }
    Path bare = tmp.resolve("repo.git");
    try (Git git = Git.init().setBare(true).setDirectory(bare.toFile()).call()) {
      git.getRepository().updateRef(Constants.HEAD).link("refs/heads/master");
    }
    try (Git git = Git.open(work.toFile())) {
      git.push()
          .setRemote(bare.toUri().toString())
          .setRefSpecs(
              new org.eclipse.jgit.transport.RefSpec("refs/heads/main:refs/heads/main"),
              new org.eclipse.jgit.transport.RefSpec("refs/tags/v1:refs/tags/v1"))
          .call();
    }
    return bare;
  }

  @Test
  void aRepositoryWhoseHeadNamesNoBranchIsMirroredWithItsTagsAndBranches() throws Exception {
    Path bare = repoWithDanglingHead();
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    GitMirrors mirrors = new GitMirrors(data.resolve("git"), new RepoSecrets(data));
    String url = bare.toUri().toString();
    try (Repository r = mirrors.update("app", url)) {
      assertThat(r.exactRef("refs/tags/v1")).isNotNull();
      assertThat(r.exactRef("refs/heads/main")).isNotNull();
    }
    // a tag pushed later comes with the next update (the fetch path)
    try (Git git = Git.open(tmp.resolve("work").toFile())) {
      git.tag().setName("v2").call();
      git.push().setRemote(url).setPushTags().call();
    }
    try (Repository r = mirrors.update("app", url)) {
      assertThat(r.exactRef("refs/tags/v2")).isNotNull();
    }
  }
}
