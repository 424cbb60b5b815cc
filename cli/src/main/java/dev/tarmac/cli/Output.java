package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** How commands print: JSON as the service sent it, or aligned text tables. */
final class Output {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The tasks of the prepare phase: its time is from the start to the last of these ending. */
  static final java.util.Set<String> PREPARE_TASKS =
      java.util.Set.of(
          "connect",
          "log in",
          "lock host",
          "check",
          "download",
          "link shared",
          "prepare hooks",
          "backup",
          "upload backup");

  private Output() {}

  /** What {@link #printable} lets through of the control characters in a text. */
  enum Keep {
    /** Nothing: a table's cell, a field in a line of our own. */
    NOTHING,
    /** Newlines and tabs: a message of several lines (an error). */
    LINES,
    /** Newlines, tabs, CR LF and colour (SGR, {@code ESC [ digits m}): a build log. */
    COLOUR
  }

  private static final java.util.regex.Pattern SGR =
      java.util.regex.Pattern.compile("\u001b\\[[0-9;:]*m");

  /**
   * Text the service sent us — which may be a host's or a build's words: an error, a task's detail,
   * a log — made safe for a terminal (docs/cli.md, "Text from hosts and builds"): every control
   * character (C0, DEL, C1) that {@code keep} does not allow becomes U+FFFD, so an ESC starting a
   * title, clear, cursor or clipboard (OSC 52) sequence is shown, not obeyed. Null stays null.
   */
  static String printable(String s, Keep keep) {
    if (s == null) {
      return null;
    }
    StringBuilder b = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (keep == Keep.COLOUR && c == '\u001b') {
        java.util.regex.Matcher m = SGR.matcher(s).region(i, s.length());
        if (m.lookingAt()) {
          b.append(s, i, m.end());
          i = m.end();
          continue;
        }
      }
      boolean kept =
          !Character.isISOControl(c)
              || keep != Keep.NOTHING && (c == '\n' || c == '\t')
              || keep == Keep.COLOUR && c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n';
      b.append(kept ? c : '\uFFFD');
      i++;
    }
    return b.toString();
  }

  static void json(PrintStream out, JsonNode node) {
    try {
      out.println(JSON.writeValueAsString(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Left-aligned columns, two spaces apart, a header row first. */
  static void table(PrintStream out, List<String> header, List<List<String>> rows) {
    List<List<String>> all = cells(header, rows);
    int[] width = columnWidths(header, rows);
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == row.size() - 1 ? row.get(i) : pad(row.get(i), width[i] + 2));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** The header, then each row as {@link #table} prints its cells. */
  private static List<List<String>> cells(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    for (List<String> row : rows) {
      // a cell may hold a host's or a build's words: one line, no control characters
      all.add(row.stream().map(c -> printable(c, Keep.NOTHING)).toList());
    }
    return all;
  }

  /** The width of each of {@link #table}'s columns: its widest cell. */
  static int[] columnWidths(List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    for (List<String> row : cells(header, rows)) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    return width;
  }

  /** How wide {@link #table}'s widest line is (the header's last column included). */
  static int tableWidth(List<String> header, List<List<String>> rows) {
    int[] width = columnWidths(header, rows);
    int all = 0;
    for (int i = 0; i < width.length; i++) {
      all += width[i] + (i == width.length - 1 ? 0 : 2);
    }
    return all;
  }

  /** {@code s} in at most {@code max} characters: cut with "…" when longer. */
  static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, Math.max(0, max - 1)) + "…";
  }

  static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  static double seconds(String from, String to) {
    return Duration.between(Instant.parse(from), Instant.parse(to)).toNanos() / 1e9;
  }

  private static final java.time.format.DateTimeFormatter LOCAL =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  /**
   * An instant the service sent (ISO-8601, UTC) in this machine's time zone, then how long ago:
   * {@code 2026-11-27 16:09:03 (5 min ago)}; "-" for none.
   */
  static String when(JsonNode node, String field, java.time.ZoneId zone, Instant now) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull() || v.asText().isEmpty()) {
      return "-";
    }
    Instant t = Instant.parse(v.asText());
    return LOCAL.format(t.atZone(zone)) + " (" + ago(Duration.between(t, now)) + ")";
  }

  static String ago(Duration d) {
    return span(d) + " ago";
  }

  /** {@code 42 s}, {@code 3 min}, {@code 5 h}, {@code 3 days}: one unit, rounded down. */
  static String span(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + " s";
    } else if (s < 3600) {
      return s / 60 + " min";
    } else if (s < 48 * 3600) {
      return s / 3600 + " h";
    }
    return s / 86400 + " days";
  }

  /** A field the service sent, for a line of our own: "-" for none, no control characters. */
  static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isMissingNode() || v.isNull() ? "-" : printable(v.asText(), Keep.NOTHING);
  }

  /**
   * The timeline of a release, in the seed talk's style: host, task, when it started (seconds from
   * the release's start) and how long it took; then total time, prepare time (until the last host
   * prepared) and the activation window.
   */
  static void timeline(PrintStream out, JsonNode record) {
    String start = record.path("startedAt").asText();
    List<List<String>> rows = new ArrayList<>();
    Instant preparedAt = null;
    for (JsonNode host : record.path("hosts")) {
      for (JsonNode task : host.path("tasks")) {
        rows.add(
            List.of(
                host.path("name").asText(),
                task.path("name").asText(),
                String.format("%.2f", seconds(start, task.path("startedAt").asText())),
                String.format(
                    "%.2f",
                    seconds(task.path("startedAt").asText(), task.path("finishedAt").asText())),
                task.path("ok").asBoolean() ? "ok" : "FAILED"));
        if (PREPARE_TASKS.contains(task.path("name").asText())) {
          Instant f = Instant.parse(task.path("finishedAt").asText());
          preparedAt = preparedAt == null || f.isAfter(preparedAt) ? f : preparedAt;
        }
      }
    }
    table(out, List.of("HOST", "TASK", "AT", "SECONDS", "RESULT"), rows);
    List<List<String>> received = new ArrayList<>();
    for (JsonNode host : record.path("hosts")) {
      JsonNode t = host.path("transfer");
      if (t.isObject()) {
        String mode = t.path("mode").asText();
        received.add(
            List.of(
                host.path("name").asText(),
                switch (mode) {
                  case "delta" ->
                      String.format(
                          java.util.Locale.ROOT,
                          "delta from %s, %,d bytes",
                          t.path("from").asText(),
                          t.path("bytes").asLong());
                  case "full" ->
                      String.format(
                          java.util.Locale.ROOT,
                          "full artifact, %,d bytes",
                          t.path("bytes").asLong());
                  default -> "nothing (the release was there already)";
                }));
      }
    }
    if (!received.isEmpty()) {
      out.println();
      table(out, List.of("HOST", "RECEIVED"), received);
    }
    String end = record.path("finishedAt").asText(null);
    StringBuilder summary = new StringBuilder();
    if (end != null) {
      summary.append(String.format("total %.2f s", seconds(start, end)));
    }
    if (preparedAt != null) {
      summary.append(String.format(" · prepare %.2f s", seconds(start, preparedAt.toString())));
    }
    if (!record.path("activationWindowMs").isMissingNode()
        && !record.path("activationWindowMs").isNull()) {
      summary
          .append(" · activation window ")
          .append(record.path("activationWindowMs").asLong())
          .append(" ms");
    }
    out.println(summary.toString().replaceFirst("^ · ", ""));
    // a contract migration that ran ends what the older releases can run on (docs/releasing.md,
    // "Expand and contract"); a failed one is also a warning below
    for (JsonNode host : record.path("hosts")) {
      for (JsonNode task : host.path("tasks")) {
        if (task.path("name").asText().equals("contract")) {
          out.println(
              "contract migration "
                  + (task.path("ok").asBoolean() ? "ran" : "FAILED")
                  + " on "
                  + printable(host.path("name").asText(), Keep.LINES)
                  + ": a rollback to an older release is refused without --restore-database or"
                  + " --across-contract");
        }
      }
    }
    // what failed after the switch while the release went live (a host's revision log)
    for (JsonNode w : record.path("warnings")) {
      out.println("warning: " + printable(w.asText(), Keep.LINES));
    }
  }
}
