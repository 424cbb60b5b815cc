package dev.tarmac.builder.testing;

import dev.tarmac.builder.sandbox.BuildSandbox;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a step on {@code tree} inside a build sandbox, as the pipeline does: {@code tree} is moved
 * into the sandbox while it runs and is back when this returns.
 */
public final class InSandbox {
  /** A step that needs the sandbox's session (its tree, tools and user). */
  public interface InSession<R> {
    R run(BuildSandbox.Session session) throws Exception;
  }

  private InSandbox() {}

  /** With no isolation (the service's own user), as for a developer's working copy. */
  public static <R> R none(Path tree, InSession<R> step) throws Exception {
    return with(BuildSandbox.Isolation.NONE, tree, step);
  }

  public static <R> R with(BuildSandbox.Isolation isolation, Path tree, InSession<R> step)
      throws Exception {
    Path data = tree.resolveSibling(tree.getFileName() + ".data");
    Files.createDirectories(data);
    BuildSandbox sandbox =
        new BuildSandbox(BuildSandbox.Settings.defaults().withIsolation(isolation), data);
    try (BuildSandbox.Session session = sandbox.open("test", tree)) {
      return step.run(session);
    }
  }
}
