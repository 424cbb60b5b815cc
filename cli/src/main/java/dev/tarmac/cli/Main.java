package dev.tarmac.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tarmac} command line. Its subcommands are added when a command line is made ({@link
 * #commandLine}): building picocli's model of all of them took most of a short command's start (a
 * second of CPU on a busy machine, docs/benchmarks.md "Command line start"), so a call builds only
 * the one it names.
 */
@Command(
    name = "tarmac",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Build a web app once from a git tag; release it to every server at once.")
public final class Main implements Runnable {
  static final String VERSION = "tarmac 0.1.0";

  /** Every subcommand, in the order {@code tarmac --help} lists them. */
  static List<Class<?>> commands() {
    return List.of(
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
        EnvCommand.class,
        MetricsCommand.class,
        TokensCommand.class,
        ConfigCommand.class,
        AppsCommand.class,
        CdsTrainingCommand.class);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    if (args.length == 1 && ("--version".equals(args[0]) || "-V".equals(args[0]))) {
      // what picocli prints for them, without building its model (a third of a second)
      System.out.println(VERSION);
      return;
    }
    System.exit(commandLine(args).execute(args));
  }

  /** The whole command line, every subcommand in it (for its documentation and tests). */
  static CommandLine commandLine() {
    return commandLine(new String[0]);
  }

  /**
   * The command line that runs {@code args}: with only the subcommand {@code args[0]} names, and
   * all of them otherwise (no subcommand, {@code --help}, a misspelt name: the usage and picocli's
   * suggestions need them all). Behaves as the whole one for {@code args}.
   */
  static CommandLine commandLine(String[] args) {
    CommandLine root = new CommandLine(new Main()).setExecutionExceptionHandler(Main::fail);
    String first = args.length == 0 ? null : args[0];
    List<Class<?>> all = commands();
    List<Class<?>> named =
        all.stream().filter(c -> c.getAnnotation(Command.class).name().equals(first)).toList();
    for (Class<?> c : named.isEmpty() ? all : named) {
      root.addSubcommand(new CommandLine(c));
    }
    return root;
  }

  /** One clear sentence on failure; a stack trace only with TARMAC_DEBUG set. */
  static int fail(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    // a message may quote a host or a build (a failed build's last output): shown, not obeyed
    cmd.getErr()
        .println(
            "tarmac: "
                + Output.printable(
                    e.getMessage() == null ? e.toString() : e.getMessage(), Output.Keep.LINES));
    if (System.getenv("TARMAC_DEBUG") != null) {
      e.printStackTrace(cmd.getErr());
    }
    return e instanceof CliException c ? c.exitCode() : 1;
  }
}
