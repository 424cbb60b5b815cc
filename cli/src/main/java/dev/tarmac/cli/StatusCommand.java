package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "What is live on every host of an environment, and any host that drifted.",
    footer = {"", "Example:", "  tarmac status shop --env production"})
public final class StatusCommand implements Callable<Integer> {

  @Mixin Target target;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    JsonNode status = client.client().get(target.path("status"));
    if (client.json) {
      Output.json(System.out, status);
    } else {
      print(status);
    }
    verdict(status);
    return 0;
  }

  /**
   * Exit 9 when a host could not be read, else 8 when a host drifted (docs/cli.md, "Exit codes"),
   * so that a script or a monitor can act on {@code status} alone.
   */
  static void verdict(JsonNode status) {
    List<String> unreachable = new ArrayList<>();
    List<String> drifted = new ArrayList<>();
    for (JsonNode h : status.path("hosts")) {
      if (!h.path("error").isNull() && !h.path("error").isMissingNode()) {
        unreachable.add(h.path("name").asText());
      } else if (h.path("drift").asBoolean()) {
        drifted.add(h.path("name").asText() + " serves " + Output.text(h, "live"));
      }
    }
    int all = status.path("hosts").size();
    if (!unreachable.isEmpty()) {
      throw new CliException(
          CliException.HOSTS_UNREACHABLE,
          unreachable.size()
              + " of "
              + all
              + " hosts could not be read ("
              + String.join(", ", unreachable)
              + ")"
              + (drifted.isEmpty() ? "" : " and " + drifted.size() + " drifted"));
    }
    if (!drifted.isEmpty()) {
      throw new CliException(
          CliException.DRIFT,
          drifted.size()
              + " of "
              + all
              + " hosts drifted from the history, which says "
              + Output.text(status, "recorded")
              + " is live: "
              + String.join(", ", drifted));
    }
  }

  private void print(JsonNode status) {
    System.out.println(
        target.app
            + " in "
            + target.env
            + ": "
            + Output.text(status, "recorded")
            + " is live by the history");
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode h : status.path("hosts")) {
      List<String> releases = new ArrayList<>();
      h.path("releases").forEach(r -> releases.add(r.asText()));
      rows.add(
          List.of(
              h.path("name").asText(),
              Output.text(h, "live"),
              Output.text(h, "revision"),
              String.join(" ", releases),
              !h.path("error").isNull()
                  ? "UNREACHABLE: " + h.path("error").asText().lines().findFirst().orElse("")
                  : h.path("drift").asBoolean() ? "DRIFT" : "ok"));
    }
    Output.table(System.out, List.of("HOST", "LIVE", "REVISION", "RELEASES", "STATE"), rows);
  }
}
