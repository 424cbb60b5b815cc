package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;

/**
 * Follows a release or rollback the service runs: its events as they happen (on a terminal, a live
 * line per host; otherwise plain lines), then its record, its timeline and its outcome.
 */
final class ReleaseFollower {
  private final ApiClient api;
  private final PrintStream out;
  private final LiveLines live;
  private final java.util.Set<String> failed = new java.util.HashSet<>();

  /** Plain lines, for a file or a pipe: finished tasks only, no colour. */
  ReleaseFollower(ApiClient api, PrintStream out) {
    this(api, out, null);
  }

  /** On a terminal: {@code live} redraws a line per host. */
  ReleaseFollower(ApiClient api, PrintStream out, LiveLines live) {
    this.api = api;
    this.out = out;
    this.live = live;
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
    // a task's detail or failure may quote a host: no control character reaches the terminal
    // (LiveLines adds its own cursor moves and colours around what is printable)
    String host =
        e.path("host").isNull()
            ? null
            : Output.printable(e.path("host").asText(null), Output.Keep.NOTHING);
    String task = Output.printable(e.path("task").asText(), Output.Keep.NOTHING);
    String kind = e.path("kind").asText();
    String message =
        e.path("message").isNull()
            ? ""
            : Output.printable(e.path("message").asText(""), Output.Keep.LINES);
    if (host == null) {
      String text =
          "== "
              + task
              + (message.isEmpty() ? "" : ": " + Output.printable(message, Output.Keep.NOTHING));
      if (live != null) {
        live.above(text, LiveLines.BOLD);
      } else {
        out.println(text);
      }
      return;
    }
    String prefix = Output.pad(host, 12);
    if (kind.equals("PROGRESS")) {
      if (live != null && e.path("total").asLong() > 0) {
        live.put(
            host,
            new LiveLines.Line(
                prefix,
                task + " " + bar(e.path("bytes").asLong(), e.path("total").asLong()),
                null));
      }
      return;
    }
    String state =
        switch (kind) {
          case "STARTED" -> task + " …";
          case "OK" -> task + " ok";
          default -> task + " FAILED: " + Output.printable(firstLine(message), Output.Keep.NOTHING);
        };
    if (live != null) {
      // a host that failed keeps its FAILED line: what follows (discard, unlock) is in the timeline
      if (failed.contains(host) && !kind.equals("FAILED")) {
        return;
      }
      if (kind.equals("FAILED")) {
        failed.add(host);
      }
      live.put(
          host,
          new LiveLines.Line(
              prefix,
              state,
              switch (kind) {
                case "STARTED" -> LiveLines.YELLOW;
                case "OK" -> LiveLines.GREEN;
                default -> LiveLines.RED;
              }));
    } else if (!kind.equals("STARTED")) {
      out.println(prefix + state);
    }
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
