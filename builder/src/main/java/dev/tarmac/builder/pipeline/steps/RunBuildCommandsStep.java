package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.sandbox.Processes;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the app's own {@code build.commands} in order, {@code sh -c} in the tree moved into a fresh
 * {@link BuildSandbox} (another user, a clean environment with {@code TARMAC_APP}, {@code
 * TARMAC_VERSION}, {@code TARMAC_TAG}, {@code TARMAC_COMMIT} and the app's {@code build.env}; see
 * docs/architecture.md, "Build isolation"); output goes to the build log. The first command that
 * fails or outlives {@code build.timeout} fails the build. The tree comes back to where it was,
 * owned by the service, whatever happens; every process a command started ends with it.
 */
public final class RunBuildCommandsStep implements BuildStep<RunBuildCommandsStep.Ran> {
  public record Ran(int commands) {}

  private final Path tree;
  private final List<String> commands;
  private final Map<String, String> environment;
  private final Duration timeout;
  private final BuildLog log;
  private final BuildSandbox sandbox;
  private final String name;

  public RunBuildCommandsStep(
      BuildSandbox sandbox,
      String name,
      Path tree,
      List<String> commands,
      Map<String, String> environment,
      Duration timeout,
      BuildLog log) {
    this.sandbox = sandbox;
    this.name = name;
    this.tree = tree;
    this.commands = commands;
    this.environment = environment;
    this.timeout = timeout;
    this.log = log;
  }

  @Override
  public Ran run() throws Exception {
    if (commands.isEmpty()) {
      return new Ran(0);
    }
    try (BuildSandbox.Session session = sandbox.open(name, tree)) {
      log.line("commands run in " + session.tree());
      runAll(session);
    }
    return new Ran(commands.size());
  }

  private void runAll(BuildSandbox.Session session) throws Exception {
    for (int i = 0; i < commands.size(); i++) {
      String command = commands.get(i);
      log.line("command " + (i + 1) + "/" + commands.size() + ": " + command);
      ProcessBuilder builder = session.command(command, environment);
      Processes.Outcome outcome =
          Processes.run(builder, timeout, log, "  | ", session.ownProcessGroup());
      if (outcome.timedOut()) {
        throw new BuildException(
            "build.commands["
                + i
                + "] `"
                + command
                + "` did not finish within build.timeout ("
                + timeout.toSeconds()
                + "s); raise build.timeout in tarmac.yml or make it faster. Last output:\n"
                + outcome.tailText());
      }
      if (outcome.exitCode() != 0) {
        throw new BuildException(
            "build.commands["
                + i
                + "] `"
                + command
                + "` exited with "
                + outcome.exitCode()
                + ". Last output:\n"
                + outcome.tailText());
      }
    }
  }
}
