package dev.tarmac.builder.web;

import dev.tarmac.builder.service.ReleaseState;
import dev.tarmac.deploy.release.ReleaseHistory;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.release.ReleaseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An environment's history and one release's hosts, as the pages show them. */
final class ReleaseHistoryView {
  private ReleaseHistoryView() {}

  /** One row of the history table. */
  record Row(
      long id,
      String kind,
      String version,
      String state,
      String stateCss,
      String who,
      String started,
      String duration,
      String window,
      String config) {}

  /**
   * One host of a release: what it received, where it is now ({@code now}, styled {@code nowCss}),
   * one cell per task column of the table, its tasks in the order they ran (each with what it
   * printed, if anything), how many printed something, and how long the host took.
   */
  record Host(
      String name,
      String transfer,
      String now,
      String nowCss,
      Long received,
      Long size,
      List<Cell> cells,
      List<Task> tasks,
      int printed,
      String took) {}

  /** A host's task in the table: its state's style, its duration (or "running"), a tooltip. */
  record Cell(String css, String text, String title) {}

  /** A task of a host as its details list it; {@code detail} null when it printed nothing. */
  record Task(String name, String outcome, String duration, String detail) {}

  /** The release's hosts as a table: a column per task, in the order they first ran. */
  record Hosts(List<String> tasks, List<Host> hosts) {}

  /** A phase of the run as the chart's text alternative lists it: offsets from the run's start. */
  record PhaseRow(String name, String from, String to, String took) {}

  /** The phases of {@code r} (as {@link LiveRelease} knows them while it runs), for the text. */
  static List<PhaseRow> phases(ReleaseRecord r, java.time.Instant now) {
    List<PhaseRow> out = new ArrayList<>();
    if (r.phases() == null) {
      return out;
    }
    for (ReleaseRecord.PhaseRecord p : r.phases()) {
      if (p == null || p.startedAt() == null) {
        continue;
      }
      java.time.Instant end = p.finishedAt() == null ? now : p.finishedAt();
      out.add(
          new PhaseRow(
              p.name(),
              Format.seconds(
                  java.time.Duration.between(r.startedAt(), p.startedAt()).toMillis() / 1000.0),
              p.finishedAt() == null
                  ? "running"
                  : Format.seconds(
                      java.time.Duration.between(r.startedAt(), end).toMillis() / 1000.0),
              Format.seconds(java.time.Duration.between(p.startedAt(), end).toMillis() / 1000.0)));
    }
    return out;
  }

  /** The newest LIVE record of a history listed newest first. */
  static Optional<ReleaseRecord> live(List<ReleaseRecord> newestFirst) {
    return ReleaseHistory.live(newestFirst);
  }

  /** The version a rollback would return to: the LIVE one before the newest LIVE one. */
  static Optional<ReleaseRecord> previousLive(List<ReleaseRecord> newestFirst) {
    Optional<ReleaseRecord> live = live(newestFirst);
    return live.flatMap(
        l ->
            newestFirst.stream()
                .filter(r -> r.id() < l.id())
                .filter(r -> r.status() == ReleaseStatus.LIVE && !r.version().equals(l.version()))
                .findFirst());
  }

  /** Each record with its word from the one rule ({@link ReleaseState}): LIVE only once. */
  static List<Row> rows(List<ReleaseRecord> newestFirst) {
    List<Row> out = new ArrayList<>();
    Optional<ReleaseRecord> live = live(newestFirst);
    for (ReleaseRecord r : newestFirst) {
      ReleaseState state = ReleaseState.of(r, live);
      out.add(
          new Row(
              r.id(),
              r.kind(),
              r.version(),
              state.word(),
              state.css(),
              r.who(),
              Format.when(r.startedAt()),
              Format.duration(r.startedAt(), r.finishedAt()),
              r.activationWindowMs() == null ? "" : r.activationWindowMs() + " ms",
              ConfigTable.used(r.config(), r.env())));
    }
    return out;
  }

  static Hosts hosts(ReleaseRecord r) {
    return hosts(r, java.util.Map.of());
  }

  /**
   * The hosts of {@code r}; a host running a download in {@code downloads} says how much of it it
   * has received (docs/dashboard.md, "Following a release").
   */
  static Hosts hosts(ReleaseRecord r, java.util.Map<String, LiveRelease.Download> downloads) {
    List<HostRecord> records = r.hosts() == null ? List.of() : r.hosts();
    List<TaskRecord> all = new ArrayList<>();
    records.forEach(h -> all.addAll(tasks(h)));
    all.sort(
        java.util.Comparator.comparing(
            TaskRecord::startedAt,
            java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder())));
    List<String> columns = new ArrayList<>();
    for (TaskRecord t : all) {
      if (!columns.contains(t.name())) {
        columns.add(t.name());
      }
    }
    List<Host> out = new ArrayList<>();
    for (HostRecord h : records) {
      String transfer =
          h.transfer() == null
              ? ""
              : h.transfer().mode()
                  + (h.transfer().from() == null ? "" : " from " + h.transfer().from())
                  + ", "
                  + Format.bytes(h.transfer().bytes());
      List<Cell> cells = new ArrayList<>();
      for (String column : columns) {
        // a task a host ran twice (a retry) shows its last run
        TaskRecord t = null;
        for (TaskRecord candidate : tasks(h)) {
          if (column.equals(candidate.name())) {
            t = candidate;
          }
        }
        if (t == null) {
          cells.add(new Cell("none", "", column + ": not run on " + h.name()));
        } else {
          String outcome = outcome(t);
          cells.add(
              new Cell(
                  outcome,
                  t.finishedAt() == null
                      ? "running"
                      : Format.duration(t.startedAt(), t.finishedAt()),
                  column + ": " + outcome));
        }
      }
      List<Task> tasks = new ArrayList<>();
      int printed = 0;
      java.time.Instant first = null;
      java.time.Instant lastEnd = null;
      for (TaskRecord t : tasks(h)) {
        boolean said = t.detail() != null && !t.detail().isBlank();
        printed += said ? 1 : 0;
        tasks.add(
            new Task(
                t.name(),
                outcome(t),
                t.finishedAt() == null ? "running" : Format.duration(t.startedAt(), t.finishedAt()),
                said ? t.detail() : null));
        if (t.startedAt() != null && (first == null || t.startedAt().isBefore(first))) {
          first = t.startedAt();
        }
        if (t.finishedAt() != null && (lastEnd == null || t.finishedAt().isAfter(lastEnd))) {
          lastEnd = t.finishedAt();
        }
      }
      TaskRecord last = tasks(h).isEmpty() ? null : tasks(h).get(tasks(h).size() - 1);
      TaskRecord failed =
          tasks(h).stream().filter(t -> t.finishedAt() != null && !t.ok()).findFirst().orElse(null);
      TaskRecord running =
          tasks(h).stream().filter(t -> t.finishedAt() == null).findFirst().orElse(null);
      String now;
      String css;
      if (failed != null) {
        now = failed.name() + " failed";
        css = "failed";
      } else if (running != null) {
        LiveRelease.Download d = downloads.get(h.name());
        now =
            d != null && d.task().equals(running.name())
                ? running.name()
                    + " "
                    + Format.bytes(d.bytes())
                    + (d.total() == null ? "" : " of " + Format.bytes(d.total()))
                : running.name() + "…";
        css = "running";
      } else if (last == null) {
        now = "waiting";
        css = "none";
      } else if (r.status().finished()) {
        now = "done";
        css = "ok";
      } else {
        now = last.name() + " done";
        css = "ok";
      }
      LiveRelease.Download d = running == null ? null : downloads.get(h.name());
      boolean measured = d != null && d.total() != null && d.task().equals(running.name());
      out.add(
          new Host(
              h.name(),
              transfer,
              now,
              css,
              measured ? d.bytes() : null,
              measured ? d.total() : null,
              cells,
              tasks,
              printed,
              first == null || lastEnd == null ? "" : Format.duration(first, lastEnd)));
    }
    return new Hosts(columns, out);
  }

  private static String outcome(TaskRecord t) {
    return t.finishedAt() == null ? "running" : t.ok() ? "ok" : "failed";
  }

  private static List<TaskRecord> tasks(HostRecord h) {
    return h.tasks() == null
        ? List.of()
        : h.tasks().stream().filter(java.util.Objects::nonNull).toList();
  }
}
