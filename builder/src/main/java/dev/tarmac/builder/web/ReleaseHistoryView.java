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
      String window) {}

  /** One host of a release: what it received, and each task with its output when it has one. */
  record Host(String name, String transfer, List<Task> tasks) {}

  record Task(String name, String outcome, String duration, String detail) {}

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
              r.activationWindowMs() == null ? "" : r.activationWindowMs() + " ms"));
    }
    return out;
  }

  static List<Host> hosts(ReleaseRecord r) {
    List<Host> out = new ArrayList<>();
    for (HostRecord h : r.hosts() == null ? List.<HostRecord>of() : r.hosts()) {
      String transfer =
          h.transfer() == null
              ? ""
              : h.transfer().mode()
                  + (h.transfer().from() == null ? "" : " from " + h.transfer().from())
                  + ", "
                  + Format.bytes(h.transfer().bytes());
      List<Task> tasks = new ArrayList<>();
      for (TaskRecord t : h.tasks() == null ? List.<TaskRecord>of() : h.tasks()) {
        tasks.add(
            new Task(
                t.name(),
                t.finishedAt() == null ? "running" : t.ok() ? "ok" : "failed",
                Format.duration(t.startedAt(), t.finishedAt()),
                t.detail()));
      }
      out.add(new Host(h.name(), transfer, tasks));
    }
    return out;
  }
}
