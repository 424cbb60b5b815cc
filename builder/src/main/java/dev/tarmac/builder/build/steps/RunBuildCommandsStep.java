package dev.tarmac.builder.build.steps;

import dev.tarmac.builder.build.BuildException;
import dev.tarmac.builder.build.BuildLog;
import dev.tarmac.builder.build.BuildStep;
import dev.tarmac.builder.build.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the app's own {@code build.commands} in order, {@code sh -c} in the tree, with {@code
 * TARMAC_APP}, {@code TARMAC_VERSION}, {@code TARMAC_COMMIT} set; output goes to the build log. The
 * first command that fails or outlives {@code build.timeout} fails the build.
 */
public final class RunBuildCommandsStep implements BuildStep<RunBuildCommandsStep.Ran> {
  public record Ran(int commands) {}

  private final Path tree;
  private final List<String> commands;
  private final Map<String, String> environment;
  private final Duration timeout;
  private final BuildLog log;

  public RunBuildCommandsStep(
      Path tree,
      List<String> commands,
      Map<String, String> environment,
      Duration timeout,
      BuildLog log) {
    this.tree = tree;
    this.commands = commands;
    this.environment = environment;
    this.timeout = timeout;
    this.log = log;
  }

  @Override
  public Ran run() throws Exception {
    for (int i = 0; i < commands.size(); i++) {
      String command = commands.get(i);
      log.line("command " + (i + 1) + "/" + commands.size() + ": " + command);
      ProcessBuilder builder = new ProcessBuilder("sh", "-c", command).directory(tree.toFile());
      builder.environment().putAll(environment);
      Processes.Outcome outcome = Processes.run(builder, timeout, log, "  | ");
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
    return new Ran(commands.size());
  }
}
