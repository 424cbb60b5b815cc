package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Follows a release or rollback the service runs: its events as they happen (on a terminal, a live
 * line per host; otherwise plain lines), then its record, its timeline and its outcome.
 */
final class ReleaseFollower {
  private final ApiClient api;
  private final PrintStream out;
  private final boolean live;
  private final Map<String, String> hostLines = new LinkedHashMap<>();
  private int drawn;

  ReleaseFollower(ApiClient api, PrintStream out, boolean terminal) {
    this.api = api;
    this.out = out;
    this.live = terminal;
  }

  /**
   * Follows release {@code id}; returns its final record. A service lost on the way is exit 7 with
   * one sentence (docs/cli.md, "Exit codes").
   */
  JsonNode follow(String app, String env, long id) {
    String base = "/api/apps/" + app + "/envs/" + env + "/releases/" + id;
    try {
      api.events(base + "/events", this::show);
      JsonNode record = api.get(base);
      // the stream ends with the release; if the connection ended early, wait for the record
      for (int i = 0; i < 6000 && !finished(record); i++) {
        sleep();
        record = api.get(base);
      }
      return record;
    } catch (CliException e) {
      if (e.exitCode() != CliException.UNREACHABLE) {
        throw e;
      }
      out.flush();
      throw new CliException(
          CliException.UNREACHABLE,
          "lost the Tarmac service at "
              + api.url()
              + " while following #"
              + id
              + " of "
              + app
              + " to "
              + env
              + "; once the service is back, `tarmac history "
              + app
              + " --env "
              + env
              + "` shows how it ended");
    }
  }

  static boolean finished(JsonNode record) {
    String s = record.path("status").asText();
    return !s.equals("PREPARING") && !s.equals("ACTIVATING");
  }

  void show(JsonNode e) {
    String host = e.path("host").isNull() ? null : e.path("host").asText(null);
    String task = e.path("task").asText();
    String kind = e.path("kind").asText();
    String message = e.path("message").isNull() ? "" : e.path("message").asText("");
    if (host == null) {
      line("== " + task + (message.isEmpty() ? "" : ": " + message));
      return;
    }
    if (kind.equals("PROGRESS")) {
      if (live && e.path("total").asLong() > 0) {
        hostLines.put(
            host,
            Output.pad(host, 12)
                + task
                + " "
                + bar(e.path("bytes").asLong(), e.path("total").asLong()));
        redraw();
      }
      return;
    }
    String state =
        switch (kind) {
          case "STARTED" -> task + " …";
          case "OK" -> task + " ok";
          default -> task + " FAILED: " + firstLine(message);
        };
    if (live) {
      hostLines.put(host, Output.pad(host, 12) + state);
      redraw();
    } else if (!kind.equals("STARTED")) {
      out.println(Output.pad(host, 12) + state);
    }
  }

  private void line(String text) {
    if (live) {
      redraw();
      out.println(text);
      drawn = 0;
    } else {
      out.println(text);
    }
  }

  private void redraw() {
    if (drawn > 0) {
      out.print("\033[" + drawn + "A");
    }
    for (String l : hostLines.values()) {
      out.print("\033[2K" + l + "\n");
    }
    drawn = hostLines.size();
    out.flush();
  }

  /** {@code [#########-----------] 45% 7.5/16.6 MB} */
  static String bar(long bytes, long total) {
    int width = 20;
    int filled = (int) Math.min(width, bytes * width / total);
    return String.format(
        "[%s%s] %3d%% %.1f/%.1f MB",
        "#".repeat(filled),
        "-".repeat(width - filled),
        Math.min(100, bytes * 100 / total),
        bytes / 1e6,
        total / 1e6);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl) + " …";
  }

  private static void sleep() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(1, "interrupted");
    }
  }
}
