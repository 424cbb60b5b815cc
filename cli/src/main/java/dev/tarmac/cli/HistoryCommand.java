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
    JsonNode history = newest(client.client(), target, limit);
    if (client.json) {
      Output.json(System.out, history);
      return 0;
    }
    Output.table(
        System.out,
        List.of("ID", "KIND", "VERSION", "STATUS", "WHO", "STARTED", "WINDOW"),
        rows(history, limit, ZoneId.systemDefault(), Instant.now()));
    return 0;
  }

  /** The most records the service sends in one page ({@code ?limit=}, docs/api.md). */
  static final int PAGE = 100;

  /**
   * The newest {@code limit} records, read a page at a time (each page starts below the last record
   * of the one before, {@code ?before=}), as the dashboard reads them.
   */
  static ArrayNode newest(ApiClient api, Target target, int limit) {
    ArrayNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    String before = "";
    while (out.size() < limit) {
      int asked = Math.min(PAGE, limit - out.size());
      JsonNode page = api.get(target.path("releases?limit=" + asked + before));
      for (JsonNode r : page) {
        if (out.size() < limit) {
          out.add(r);
        }
      }
      if (page.size() < asked || out.isEmpty()) {
        break;
      }
      before = "&before=" + out.get(out.size() - 1).path("id").asLong();
    }
    return out;
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
