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
      return 0;
    }
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
              h.path("drift").asBoolean()
                  ? "DRIFT" + (h.path("error").isNull() ? "" : ": " + h.path("error").asText())
                  : "ok"));
    }
    Output.table(System.out, List.of("HOST", "LIVE", "REVISION", "RELEASES", "STATE"), rows);
    return 0;
  }
}
