package dev.tarmac.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tarmac} command line. */
@Command(
    name = "tarmac",
    mixinStandardHelpOptions = true,
    version = "tarmac 0.1.0",
    description = "Build a web app once from a git tag; release it to every server at once.",
    subcommands = {
      ServeCommand.class,
      DemoCommand.class,
      InitCommand.class,
      CheckCommand.class,
      BuildCommand.class,
      BuildsCommand.class,
      ReleaseCommand.class,
      RollbackCommand.class,
      FollowCommand.class,
      CancelCommand.class,
      StatusCommand.class,
      HistoryCommand.class,
      LogCommand.class,
      LockCommand.class,
      MetricsCommand.class,
      TokensCommand.class,
      AppsCommand.class,
      CdsTrainingCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).setExecutionExceptionHandler(Main::fail).execute(args));
  }

  /** One clear sentence on failure; a stack trace only with TARMAC_DEBUG set. */
  static int fail(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    cmd.getErr().println("tarmac: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    if (System.getenv("TARMAC_DEBUG") != null) {
      e.printStackTrace(cmd.getErr());
    }
    return e instanceof CliException c ? c.exitCode() : 1;
  }
}
