package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description =
        "The releases and rollbacks of an environment, newest first: only the one live now says"
            + " LIVE; earlier ones that went live say superseded.",
    footer = {"", "Example:", "  tarmac history shop --env production --limit 5"})
public final class HistoryCommand implements Callable<Integer> {

  @Mixin Target target;

  @Mixin ClientOptions client;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "20",
      description = "show the newest N (default: ${DEFAULT-VALUE})")
  int limit;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new CliException(
          CliException.USAGE, "--limit must be 1 or more (it was " + limit + ")");
    }
    JsonNode history = client.client().get(target.path("releases"));
    if (client.json) {
      ArrayNode newest = history.deepCopy();
      while (newest.size() > limit) {
        newest.remove(newest.size() - 1);
      }
      Output.json(System.out, newest);
      return 0;
    }
    Output.table(
        System.out,
        List.of("ID", "KIND", "VERSION", "STATUS", "WHO", "STARTED", "WINDOW"),
        rows(history, limit, ZoneId.systemDefault(), Instant.now()));
    return 0;
  }

  /**
   * The newest {@code limit} records (the service sends newest first), each with the word the
   * service gives it ({@code state}: {@code LIVE} only for the record live now, {@code superseded}
   * for an older one that went live; the service's {@code ReleaseState} is the one rule, shared
   * with the dashboard). A record without one (a service older than this CLI) shows its stored
   * status.
   */
  static List<List<String>> rows(JsonNode history, int limit, ZoneId zone, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode r : history) {
      if (rows.size() == limit) {
        break;
      }
      rows.add(
          List.of(
              "#" + r.path("id").asText(),
              r.path("kind").asText(),
              r.path("version").asText(),
              r.path("state").asText(r.path("status").asText()),
              r.path("who").asText(),
              Output.when(r, "startedAt", zone, now),
              r.path("activationWindowMs").isNumber()
                  ? r.path("activationWindowMs").asText() + " ms"
                  : "-"));
    }
    return rows;
  }
}
