package dev.tarmac.builder.web;

import dev.tarmac.deploy.release.ReleaseEvent;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A running release as far as it is known (docs/dashboard.md, "Following a release"): its stored
 * record has its hosts' tasks only from activation on, so the page folds the run's events so far
 * into it — every host of the environment a row from the start (waiting until its first task), each
 * task started, done or failed, each host's download so far, the phases so far (as the runner keeps
 * them in the record at its end) and the phase the run is in. The same picture is drawn during and
 * after the release. Pure.
 */
final class LiveRelease {
  private LiveRelease() {}

  /** The bytes a host has received of a download still running. */
  record Download(String task, long bytes, Long total) {}

  /**
   * @param record the record with every host's tasks known so far
   * @param phase the last phase the run announced (null: none yet, or the run is not followed)
   * @param downloads per host, the download it is running
   */
  record Known(ReleaseRecord record, String phase, Map<String, Download> downloads) {}

  /**
   * {@code stored} with what {@code events} say. A finished release, or one whose events this
   * service does not have (it ran elsewhere, or before a restart), is its stored record, with a row
   * for each host of {@code hostNames} not in it.
   */
  static Known of(ReleaseRecord stored, List<String> hostNames, List<ReleaseEvent> events) {
    Map<String, List<TaskRecord>> tasks = new LinkedHashMap<>();
    Map<String, ReleaseRecord.Transfer> transfers = new LinkedHashMap<>();
    Map<String, Integer> sessions = new LinkedHashMap<>();
    hostNames.forEach(h -> tasks.put(h, new ArrayList<>()));
    boolean fromEvents = !stored.status().finished() && !events.isEmpty();
    for (HostRecord h : stored.hosts() == null ? List.<HostRecord>of() : stored.hosts()) {
      tasks.put(
          h.name(),
          fromEvents || h.tasks() == null ? new ArrayList<>() : new ArrayList<>(h.tasks()));
      if (h.transfer() != null) {
        transfers.put(h.name(), h.transfer());
      }
      sessions.put(h.name(), h.sessions());
    }
    String phase = null;
    List<ReleaseRecord.PhaseRecord> phases = new ArrayList<>();
    Map<String, Download> downloads = new LinkedHashMap<>();
    if (fromEvents) {
      for (ReleaseEvent e : events) {
        if (e.host() == null) {
          if (e.kind() == ReleaseEvent.Kind.PHASE) {
            phase = e.task() + (e.message() == null ? "" : ": " + e.message());
            // each phase ends where the next begins, as the runner keeps them in the record
            int last = phases.size() - 1;
            if (last >= 0) {
              ReleaseRecord.PhaseRecord p = phases.get(last);
              phases.set(last, new ReleaseRecord.PhaseRecord(p.name(), p.startedAt(), e.at()));
            }
            phases.add(new ReleaseRecord.PhaseRecord(e.task(), e.at(), null));
          }
          continue;
        }
        List<TaskRecord> list = tasks.computeIfAbsent(e.host(), h -> new ArrayList<>());
        switch (e.kind()) {
          case STARTED -> list.add(new TaskRecord(e.task(), e.at(), null, false, null));
          case PROGRESS ->
              downloads.put(
                  e.host(), new Download(e.task(), e.bytes() == null ? 0 : e.bytes(), e.total()));
          case OK, FAILED -> {
            boolean ok = e.kind() == ReleaseEvent.Kind.OK;
            int open = lastOpen(list, e.task());
            TaskRecord done =
                new TaskRecord(
                    e.task(),
                    open < 0 ? e.at() : list.get(open).startedAt(),
                    e.at(),
                    ok,
                    e.message() == null || e.message().isBlank() ? null : e.message());
            if (open < 0) {
              list.add(done);
            } else {
              list.set(open, done);
            }
            Download d = downloads.get(e.host());
            if (d != null && d.task().equals(e.task())) {
              downloads.remove(e.host());
            }
          }
          default -> {}
        }
      }
    }
    List<HostRecord> hosts = new ArrayList<>();
    tasks.forEach(
        (name, list) ->
            hosts.add(new HostRecord(name, transfers.get(name), list, sessions.get(name))));
    ReleaseRecord known =
        stored.progressed(
            stored.status(),
            stored.finishedAt(),
            stored.activationWindowMs(),
            stored.backup(),
            stored.error(),
            hosts);
    if (fromEvents) {
      known = known.withPhases(List.copyOf(phases));
    }
    return new Known(known, phase, downloads);
  }

  private static int lastOpen(List<TaskRecord> list, String task) {
    for (int i = list.size() - 1; i >= 0; i--) {
      if (list.get(i).finishedAt() == null && list.get(i).name().equals(task)) {
        return i;
      }
    }
    return -1;
  }
}
