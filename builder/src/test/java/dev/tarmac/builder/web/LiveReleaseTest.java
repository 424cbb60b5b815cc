package dev.tarmac.builder.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.release.ReleaseEvent;
import dev.tarmac.deploy.release.ReleaseEvent.Kind;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.release.ReleaseStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A running release drawn from its events so far; a finished one from its record. */
class LiveReleaseTest {
  static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  static ReleaseEvent at(int ms, String host, String task, Kind kind, String message) {
    return new ReleaseEvent(T0.plusMillis(ms), host, task, kind, message);
  }

  static ReleaseRecord preparing() {
    return ReleaseRecord.started(9, "shop", "prod", "release", "v2", "c", "v1", "ann", T0);
  }

  @Test
  void everyHostIsARowFromTheStartAndEachShowsWhereItIs() {
    List<ReleaseEvent> events =
        List.of(
            at(0, "web1", "connect", Kind.STARTED, null),
            at(40, "web1", "connect", Kind.OK, null),
            at(41, "web1", "download", Kind.STARTED, null),
            new ReleaseEvent(
                T0.plusMillis(90), "web1", "download", Kind.PROGRESS, null, 1024L, 4096L),
            at(10, "web2", "connect", Kind.STARTED, null),
            at(70, "web2", "connect", Kind.FAILED, "web2: connect failed: refused\nsecond line"),
            // a failure with no start seen (the ack's): a task of no length
            at(80, "web3", "ack", Kind.FAILED, "not staged"),
            at(85, null, "activate", Kind.PHASE, "switching every host to v2"));
    LiveRelease.Known k =
        LiveRelease.of(preparing(), List.of("web1", "web2", "web3", "web4"), events);
    List<HostRecord> hosts = k.record().hosts();
    assertThat(hosts).extracting(HostRecord::name).containsExactly("web1", "web2", "web3", "web4");
    assertThat(hosts.get(0).tasks())
        .containsExactly(
            new TaskRecord("connect", T0, T0.plusMillis(40), true, null),
            new TaskRecord("download", T0.plusMillis(41), null, false, null));
    assertThat(hosts.get(1).tasks())
        .containsExactly(
            new TaskRecord(
                "connect",
                T0.plusMillis(10),
                T0.plusMillis(70),
                false,
                "web2: connect failed: refused\nsecond line"));
    assertThat(hosts.get(2).tasks())
        .containsExactly(
            new TaskRecord("ack", T0.plusMillis(80), T0.plusMillis(80), false, "not staged"));
    assertThat(hosts.get(3).tasks()).isEmpty();
    assertThat(k.phase()).isEqualTo("activate: switching every host to v2");

    ReleaseHistoryView.Hosts table = ReleaseHistoryView.hosts(k.record(), k.downloads());
    assertThat(table.tasks()).containsExactly("connect", "download", "ack");
    assertThat(table.hosts())
        .extracting(ReleaseHistoryView.Host::now)
        .containsExactly("download 1.0 KiB of 4.0 KiB", "connect failed", "ack failed", "waiting");
    assertThat(table.hosts().get(0).received()).isEqualTo(1024L);
    assertThat(table.hosts().get(0).size()).isEqualTo(4096L);
    assertThat(table.hosts().get(0).cells())
        .extracting(ReleaseHistoryView.Cell::css)
        .containsExactly("ok", "running", "none");
    assertThat(table.hosts().get(1).tasks())
        .extracting(ReleaseHistoryView.Task::detail)
        .containsExactly("web2: connect failed: refused\nsecond line");
    assertThat(table.hosts().get(0).tasks())
        .extracting(ReleaseHistoryView.Task::name, ReleaseHistoryView.Task::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("connect", "ok"),
            org.assertj.core.groups.Tuple.tuple("download", "running"));

    // the timeline has all four rows, web4 waiting
    String svg = Charts.timeline(k.record(), T0.plusMillis(100));
    assertThat(svg.split("<g class=\"host\"")).hasSize(5);
    assertThat(svg.split("class=\"waiting\"")).hasSize(2);
  }

  /**
   * The phases of a running release come from its events, each ending where the next begins, the
   * one it is in open; the chart bands them from the first event on, as it does the stored record's
   * after the run (issue 27).
   */
  @Test
  void thePhasesSoFarComeFromTheEventsAndAreBandedAsAfterTheRun() {
    List<ReleaseEvent> events =
        List.of(
            at(0, null, "prepare", Kind.PHASE, "release v2 on 1 hosts"),
            at(1, "web1", "connect", Kind.STARTED, null),
            at(40, "web1", "connect", Kind.OK, null),
            at(60, null, "barrier", Kind.PHASE, "every host prepared"),
            at(85, null, "activate", Kind.PHASE, "switching every host to v2"));
    LiveRelease.Known k = LiveRelease.of(preparing(), List.of("web1"), events);
    assertThat(k.record().phases())
        .containsExactly(
            new ReleaseRecord.PhaseRecord("prepare", T0, T0.plusMillis(60)),
            new ReleaseRecord.PhaseRecord("barrier", T0.plusMillis(60), T0.plusMillis(85)),
            new ReleaseRecord.PhaseRecord("activate", T0.plusMillis(85), null));
    String svg = Charts.timeline(k.record(), T0.plusMillis(100));
    assertThat(svg)
        .contains("data-phase=\"prepare\"", "data-phase=\"barrier\"", "data-phase=\"activate\"")
        .contains("<title>activate: 0.1 s to 0.1 s (0.0 s, running)</title>");
    // before the first phase event: no band, and nothing invented
    assertThat(LiveRelease.of(preparing(), List.of("web1"), events.subList(1, 3)).record().phases())
        .isEmpty();
    // a finished record keeps its own phases, whatever events are around
    ReleaseRecord done =
        preparing()
            .progressed(ReleaseStatus.LIVE, T0.plusSeconds(1), 5L, null, null, List.of())
            .withPhases(List.of(new ReleaseRecord.PhaseRecord("prepare", T0, T0.plusSeconds(1))));
    assertThat(LiveRelease.of(done, List.of(), events).record().phases()).isEqualTo(done.phases());
  }

  @Test
  void aDownloadThatEndedIsNoLongerShownAsRunning() {
    List<ReleaseEvent> events =
        List.of(
            at(0, "web1", "download", Kind.STARTED, null),
            new ReleaseEvent(T0.plusMillis(5), "web1", "download", Kind.PROGRESS, null, 10L, 10L),
            at(9, "web1", "download", Kind.OK, null));
    LiveRelease.Known k = LiveRelease.of(preparing(), List.of("web1"), events);
    assertThat(k.downloads()).isEmpty();
    assertThat(ReleaseHistoryView.hosts(k.record(), k.downloads()).hosts().get(0).now())
        .isEqualTo("download done");
  }

  @Test
  void aFinishedReleaseIsItsRecord() {
    HostRecord stored =
        new HostRecord(
            "web1",
            new ReleaseRecord.Transfer("full", null, 2048),
            List.of(new TaskRecord("switch", T0, T0.plusMillis(5), true, null)),
            1);
    ReleaseRecord live =
        preparing()
            .progressed(ReleaseStatus.LIVE, T0.plusSeconds(1), 5L, null, null, List.of(stored));
    LiveRelease.Known k =
        LiveRelease.of(live, List.of(), List.of(at(0, "web1", "other", Kind.STARTED, null)));
    assertThat(k.record().hosts()).containsExactly(stored);
    ReleaseHistoryView.Host h = ReleaseHistoryView.hosts(k.record()).hosts().get(0);
    assertThat(h.now()).isEqualTo("done");
    assertThat(h.transfer()).isEqualTo("full, 2.0 KiB");
  }
}
