package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.sandbox.Processes;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.Deadline;
import dev.tarmac.builder.workspace.TreeFiles;
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

  private final List<String> commands;
  private final Map<String, String> environment;
  private final Duration timeout;
  private final BuildLog log;
  private final BuildSandbox.Session session;
  private final String key;

  /** {@code key}: the list's key in tarmac.yml ({@code build.commands}, {@code build.after}). */
  public RunBuildCommandsStep(
      BuildSandbox.Session session,
      String key,
      List<String> commands,
      Map<String, String> environment,
      Duration timeout,
      BuildLog log) {
    this.session = session;
    this.key = key;
    this.commands = commands;
    this.environment = environment;
    this.timeout = timeout;
    this.log = log;
  }

  @Override
  public Ran run() throws Exception {
    if (commands.isEmpty()) {
      // the checkout itself may hold a link to a device (/dev/zero)
      TreeFiles.refuseSpecialFiles(session.tree(), "the checkout");
      return new Ran(0);
    }
    log.line(
        key + " run in " + session.tree() + session.uid().map(uid -> " as uid " + uid).orElse(""));
    for (int i = 0; i < commands.size(); i++) {
      String command = commands.get(i);
      log.line("command " + (i + 1) + "/" + commands.size() + ": " + command);
      ProcessBuilder builder = session.command(command, environment);
      long memoryKills = session.memoryKills();
      Processes.Outcome outcome;
      try {
        outcome = Processes.run(builder, timeout, log, "  | ", session.ownProcessGroup());
      } finally {
        // what the command left running (a daemon, a double fork) ends with it
        session.endProcesses();
      }
      if (outcome.exitCode() != 0 && session.memoryKills() > memoryKills) {
        throw failed(
            i,
            "was killed: it used more than "
                + session.memoryLimit()
                + "; use less memory, or ask the operator to raise tarmac.build.memory",
            outcome);
      }
      if (outcome.timedOut()) {
        throw failed(
            i,
            "did not finish within build.timeout ("
                + timeout.toSeconds()
                + "s); raise build.timeout in tarmac.yml or make it faster",
            outcome);
      }
      if (outcome.exitCode() != 0) {
        throw failed(i, "exited with " + outcome.exitCode(), outcome);
      }
    }
    // no process of the build lives now: what the tree holds stays as it is checked
    TreeFiles.refuseWhatCannotShip(
        session.tree(), key, TreeFiles.MAX_TREE_BYTES, Deadline.after(timeout));
    return new Ran(commands.size());
  }

  /** {@code build.commands[i] `command` <what>. Last output:} and the command's last lines. */
  private BuildException failed(int i, String what, Processes.Outcome outcome) {
    return new BuildException(
        key
            + "["
            + i
            + "] `"
            + commands.get(i)
            + "` "
            + what
            + ". Last output:\n"
            + outcome.tailText());
  }
}
