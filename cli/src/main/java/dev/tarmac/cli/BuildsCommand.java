package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
    name = "builds",
    mixinStandardHelpOptions = true,
    description = "The builds of an app, newest first.",
    footer = {"", "Example:", "  tarmac builds shop"})
public final class BuildsCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the app")
  String app;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    JsonNode builds = client.client().get("/api/apps/" + app + "/builds?limit=100");
    if (client.json) {
      Output.json(System.out, builds);
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode b : builds) {
      String commit = Output.text(b, "commit");
      rows.add(
          List.of(
              b.path("version").asText(),
              b.path("status").asText(),
              commit.length() > 12 ? commit.substring(0, 12) : commit,
              Output.text(b, "size"),
              Output.when(
                  b, "finishedAt", java.time.ZoneId.systemDefault(), java.time.Instant.now())));
    }
    Output.table(System.out, List.of("VERSION", "STATUS", "COMMIT", "BYTES", "FINISHED"), rows);
    return 0;
  }
}
