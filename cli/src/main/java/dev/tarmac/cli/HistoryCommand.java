package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = "The releases and rollbacks of an environment, newest first.",
    footer = {"", "Example:", "  tarmac history shop --env production"})
public final class HistoryCommand implements Callable<Integer> {

  @Mixin Target target;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    JsonNode history = client.client().get(target.path("releases"));
    if (client.json) {
      Output.json(System.out, history);
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode r : history) {
      rows.add(
          List.of(
              "#" + r.path("id").asText(),
              r.path("kind").asText(),
              r.path("version").asText(),
              r.path("status").asText(),
              r.path("who").asText(),
              r.path("startedAt").asText(),
              r.path("activationWindowMs").isNumber()
                  ? r.path("activationWindowMs").asText() + " ms"
                  : "-"));
    }
    Output.table(
        System.out, List.of("ID", "KIND", "VERSION", "STATUS", "WHO", "STARTED", "WINDOW"), rows);
    return 0;
  }
}
