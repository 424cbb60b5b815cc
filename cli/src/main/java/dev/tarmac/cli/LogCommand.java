package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "log",
    mixinStandardHelpOptions = true,
    description =
        "The build log of a version; with -f, follow a queued or running build's log to its end.",
    footer = {"", "Examples:", "  tarmac log shop v1.4.0", "  tarmac log shop v1.4.0 -f"})
public final class LogCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the app")
  String app;

  @Parameters(index = "1", description = "the version (its git tag)")
  String version;

  @Option(
      names = {"-f", "--follow"},
      description = "keep printing until the build ends (exit 5 when it failed)")
  boolean follow;

  @Mixin ClientOptions client;

  @Override
  public Integer call() throws InterruptedException {
    ApiClient api = client.client();
    String base = "/api/apps/" + app + "/builds/" + version;
    JsonNode build = api.get(base);
    int printed = 0;
    while (true) {
      // the log only grows while the build runs; what is new since the last read is printed,
      // whole lines while it runs (a colour sequence is never cut in two), with its colours but no
      // other control sequence (docs/cli.md, "Text from hosts and builds")
      String log = api.text(base + "/log");
      boolean last = !follow || BuildCommand.done(build);
      int upTo = last ? log.length() : log.lastIndexOf('\n') + 1;
      if (upTo > printed) {
        System.out.print(Output.printable(log.substring(printed, upTo), Output.Keep.COLOUR));
        System.out.flush();
        printed = upTo;
      }
      if (last) {
        break;
      }
      Thread.sleep(300);
      build = api.get(base);
    }
    if (follow && build.path("status").asText().equals("FAILED")) {
      throw new CliException(
          CliException.REMOTE,
          "build of " + app + " " + version + " failed: " + build.path("error").asText());
    }
    return 0;
  }
}
