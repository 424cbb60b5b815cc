package dev.tarmac.builder.service;

import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;

/**
 * A bare origin repository ({@code origin.git}, branch {@code main}) and a developer's clone of it
 * ({@code work}) under a test's directory, for the watcher's tests: commits are made in the clone
 * and pushed.
 */
final class GitOrigin implements AutoCloseable {
  final Git origin;
  final Git clone;
  final String url;
  private int commits;

  GitOrigin(Path dir) throws Exception {
    Path bare = dir.resolve("origin.git");
    origin = Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call();
    url = bare.toUri().toString();
    clone = Git.cloneRepository().setURI(url).setDirectory(dir.resolve("work").toFile()).call();
  }

  /** A new commit in the clone (a file changed), not pushed; its id. */
  String commit() {
    try {
      commits++;
      Files.writeString(
          clone.getRepository().getWorkTree().toPath().resolve("n.txt"), commits + "\n");
      clone.add().addFilepattern(".").call();
      return clone.commit().setMessage("commit " + commits).setSign(false).call().name();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Pushes {@code refSpec} from the clone to the origin, forced. */
  void push(String refSpec) {
    try {
      clone.push().setRefSpecs(new RefSpec(refSpec)).setForce(true).call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    origin.close();
    clone.close();
  }
}
