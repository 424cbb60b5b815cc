package dev.tarmac.builder.service;

import dev.tarmac.deploy.release.ReleaseRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * The commit time of a release's commit, read from the service's bare git mirror of the app (the
 * builds keep it, docs/architecture.md); empty when the mirror or the commit is not there.
 */
final class CommitTimes implements AutoCloseable {
  private final Repository repo;

  CommitTimes(Path mirror) {
    Repository r = null;
    if (Files.isDirectory(mirror)) {
      try {
        r = new FileRepositoryBuilder().setGitDir(mirror.toFile()).setMustExist(true).build();
      } catch (IOException e) {
        r = null;
      }
    }
    this.repo = r;
  }

  Optional<Instant> of(ReleaseRecord r) {
    if (repo == null || r.commit() == null || !ObjectId.isId(r.commit())) {
      return Optional.empty();
    }
    try (RevWalk walk = new RevWalk(repo)) {
      return Optional.of(
          Instant.ofEpochSecond(walk.parseCommit(ObjectId.fromString(r.commit())).getCommitTime()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    if (repo != null) {
      repo.close();
    }
  }
}
