package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.sandbox.Processes;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.Deadline;
import dev.tarmac.builder.workspace.TreeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        keepDebugLog(outcome.tailText());
        throw failed(i, "exited with " + outcome.exitCode(), outcome);
      }
    }
    // no process of the build lives now: what the tree holds stays as it is checked
    TreeFiles.refuseWhatCannotShip(
        session.tree(), key, TreeFiles.MAX_TREE_BYTES, Deadline.after(timeout));
    return new Ran(commands.size());
  }

  /** npm's last words on a failed run: the debug log it names, which the sandbox removal takes. */
  static final Pattern NPM_DEBUG_LOG =
      Pattern.compile(
          "A complete log of this run can be found in:?\\s*(?:npm (?:ERR!|error)\\s*)?(/\\S+\\.log)");

  /** The most of a debug log kept in the build log: its last 64 KiB. */
  static final int DEBUG_LOG_BYTES = 64 * 1024;

  /**
   * Copies the end of the debug log a failed npm names into the build log: it lies in the build's
   * HOME, which is removed with its sandbox. Read as the service once no process of the build
   * lives, so only a regular file of the build's own (no link on the way, no hard link) in its HOME
   * or tree; anything else is said and not read.
   */
  private void keepDebugLog(String output) {
    Matcher m = NPM_DEBUG_LOG.matcher(output);
    if (!m.find()) {
      return;
    }
    Path file = Path.of(m.group(1)).normalize();
    Path base =
        file.startsWith(session.home())
            ? session.home()
            : file.startsWith(session.tree()) ? session.tree() : null;
    String problem = null;
    try {
      if (base == null) {
        problem = "it is outside the build's HOME and tree";
      } else if (TreeFiles.linkOnTheWay(base, file) != null) {
        problem = "a symlink leads to it";
      } else if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        problem = "it is not a file";
      } else if ((Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1
          || (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS)
              != session.buildUid()) {
        problem = "it is not a file of the build's own";
      }
      if (problem != null) {
        log.line("npm's debug log " + file + " is not copied here: " + problem);
        return;
      }
      long size = Files.size(file);
      byte[] bytes;
      try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
        in.skipNBytes(Math.max(0, size - DEBUG_LOG_BYTES));
        bytes = in.readNBytes(DEBUG_LOG_BYTES);
      }
      log.line(
          "npm's debug log "
              + file
              + (size > DEBUG_LOG_BYTES ? " (its last " + DEBUG_LOG_BYTES + " bytes)" : "")
              + ", kept here: its directory goes with the build's sandbox");
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
        if (!line.isEmpty()) {
          log.line("  npm-log | " + line);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.line("npm's debug log " + file + " could not be read: " + e.getMessage());
    }
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
