package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseStatus;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The four delivery figures over a constructed history whose answers are worked out by hand. */
class DeliveryFiguresTest {
  static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant TO = Instant.parse("2026-01-11T00:00:00Z");

  static ReleaseRecord record(
      long id, String kind, String version, ReleaseStatus status, String finished) {
    Instant end = finished == null ? null : Instant.parse(finished);
    return new ReleaseRecord(
        id,
        "shop",
        "prod",
        kind,
        version,
        "c" + version,
        null,
        status,
        "ann",
        end == null ? Instant.parse("2026-01-09T00:00:00Z") : end.minusSeconds(600),
        end,
        null,
        null,
        null,
        List.of());
  }

  static final List<ReleaseRecord> HISTORY =
      List.of(
          record(0, "release", "v0", ReleaseStatus.LIVE, "2025-12-31T10:00:00Z"), // before
          record(1, "release", "v1", ReleaseStatus.LIVE, "2026-01-01T10:10:00Z"),
          record(2, "release", "v2", ReleaseStatus.FAILED, "2026-01-02T12:00:00Z"),
          record(3, "release", "v2b", ReleaseStatus.ROLLED_BACK, "2026-01-02T13:00:00Z"),
          record(4, "rollback", "v1", ReleaseStatus.LIVE, "2026-01-02T13:30:00Z"),
          record(5, "release", "v3", ReleaseStatus.LIVE, "2026-01-05T09:00:00Z"),
          record(6, "release", "v4", ReleaseStatus.FAILED, "2026-01-10T10:00:00Z"),
          record(7, "release", "v5", ReleaseStatus.PREPARING, null), // still running
          record(8, "release", "v6", ReleaseStatus.LIVE, "2026-01-11T00:00:00Z")); // after

  static final Map<String, Instant> COMMITS =
      Map.of(
          "v1", Instant.parse("2026-01-01T08:10:00Z"), // 2 h before live
          "v2b", Instant.parse("2026-01-02T12:30:00Z"), // 30 min
          "v3", Instant.parse("2026-01-04T09:00:00Z")); // 1 day

  static DeliveryFigures.Figures figures(List<ReleaseRecord> history) {
    return DeliveryFigures.of(
        "shop", "prod", history, FROM, TO, r -> Optional.ofNullable(COMMITS.get(r.version())));
  }

  @Test
  void knownAnswers() {
    // shuffled: the order of the history does not matter
    List<ReleaseRecord> shuffled = new java.util.ArrayList<>(HISTORY);
    java.util.Collections.reverse(shuffled);
    DeliveryFigures.Figures f = figures(shuffled);

    assertThat(f.days()).isEqualTo(10);
    // #1, #3 (live, then rolled back) and #5 went live in the window
    assertThat(f.deployments()).isEqualTo(3);
    assertThat(f.deploymentsPerDay()).isEqualTo(0.3);
    // leads 7200, 1800, 86400 s: the median is 7200
    assertThat(f.leadTimeSeconds()).isEqualTo(7200L);
    // releases finished in the window: #1 #2 #3 #5 #6; failed: #2, #3, #6
    assertThat(f.releasesFinished()).isEqualTo(5);
    assertThat(f.failedChanges()).isEqualTo(3);
    assertThat(f.changeFailureRate()).isEqualTo(0.6);
    // #2 restored by #3 (1 h), #3 by the rollback #4 (30 min), #6 by #8 after the window (14 h)
    assertThat(f.timeToRestoreSeconds()).isEqualTo(3600L);
    assertThat(f.unrestored()).isZero();
    assertThat(f.perDay()).hasSize(10);
    assertThat(f.perDay().get(0))
        .isEqualTo(new DeliveryFigures.Day(LocalDate.of(2026, 1, 1), 1, 0));
    assertThat(f.perDay().get(1))
        .isEqualTo(new DeliveryFigures.Day(LocalDate.of(2026, 1, 2), 1, 2));
    assertThat(f.perDay().get(9))
        .isEqualTo(new DeliveryFigures.Day(LocalDate.of(2026, 1, 10), 0, 1));
  }

  @Test
  void aReleaseFollowedByARollbackIsAFailedChangeAndUnrestoredFailuresAreCounted() {
    DeliveryFigures.Figures f =
        figures(
            List.of(
                record(1, "release", "v1", ReleaseStatus.LIVE, "2026-01-03T10:00:00Z"),
                record(2, "rollback", "v0", ReleaseStatus.LIVE, "2026-01-03T10:20:00Z"),
                record(3, "release", "v2", ReleaseStatus.FAILED, "2026-01-04T10:00:00Z"),
                record(4, "release", "v3", ReleaseStatus.FAILED, "2026-01-04T11:00:00Z")));
    assertThat(f.deployments()).isEqualTo(1);
    assertThat(f.releasesFinished()).isEqualTo(3);
    assertThat(f.failedChanges()).isEqualTo(3);
    assertThat(f.changeFailureRate()).isEqualTo(1.0);
    // only the first was restored (by the rollback, 20 min later); nothing went live after #3, #4
    assertThat(f.timeToRestoreSeconds()).isEqualTo(1200L);
    assertThat(f.unrestored()).isEqualTo(2);
  }

  @Test
  void anEmptyHistoryMeasuresNothing() {
    DeliveryFigures.Figures f = figures(List.of());
    assertThat(f.deployments()).isZero();
    assertThat(f.leadTimeSeconds()).isNull();
    assertThat(f.changeFailureRate()).isNull();
    assertThat(f.timeToRestoreSeconds()).isNull();
  }

  @Test
  void anEmptyWindowIsRefused() {
    assertThatThrownBy(
            () -> DeliveryFigures.of("shop", "prod", List.of(), TO, FROM, r -> Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not before");
  }
}
