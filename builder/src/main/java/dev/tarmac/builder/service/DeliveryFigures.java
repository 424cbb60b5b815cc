package dev.tarmac.builder.service;

import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The four delivery figures (DORA) of one environment over a window, from its release history
 * alone; pure, no I/O (docs/dashboard.md, "Delivery figures"):
 *
 * <ul>
 *   <li><b>deployments</b>: releases that went live (status LIVE, or ROLLED_BACK later) and
 *       finished in the window; the frequency is per day of the window;
 *   <li><b>lead time</b>: median of (went live − the tag's commit time) over those deployments, for
 *       those whose commit time is known;
 *   <li><b>change-failure rate</b>: of the releases that finished in the window, the share that
 *       FAILED, were ROLLED_BACK, or were followed next by a rollback;
 *   <li><b>time to restore</b>: median, over those failed changes, of the time from the failure
 *       (the failed release's end) to the end of the next record that went live (a release or a
 *       rollback); a failure not yet restored is left out and counted as {@code unrestored}.
 * </ul>
 */
public final class DeliveryFigures {
  private DeliveryFigures() {}

  /** The longest window asked for, in days (about ten years). */
  public static final int MAX_DAYS = 3660;

  /** The figures; durations in seconds, null when there is nothing to measure. */
  public record Figures(
      String app,
      String env,
      Instant from,
      Instant to,
      int days,
      int deployments,
      double deploymentsPerDay,
      Long leadTimeSeconds,
      int releasesFinished,
      int failedChanges,
      Double changeFailureRate,
      Long timeToRestoreSeconds,
      int unrestored,
      List<Day> perDay) {}

  /** One day of the window (UTC): deployments and failed changes that finished that day. */
  public record Day(LocalDate date, int deployments, int failures) {}

  /**
   * @param history the environment's records, in any order
   * @param committedAt the commit time of a release's tag commit, when known
   */
  public static Figures of(
      String app,
      String env,
      List<ReleaseRecord> history,
      Instant from,
      Instant to,
      Function<ReleaseRecord, Optional<Instant>> committedAt) {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("the window's start " + from + " is not before " + to);
    }
    List<ReleaseRecord> finished =
        history.stream()
            .filter(r -> r.finishedAt() != null && r.status().finished())
            .sorted(Comparator.comparing(ReleaseRecord::finishedAt))
            .toList();
    LocalDate firstDay = from.atZone(ZoneOffset.UTC).toLocalDate();
    LocalDate lastDay = to.minusNanos(1).atZone(ZoneOffset.UTC).toLocalDate();
    Map<LocalDate, int[]> days = new LinkedHashMap<>();
    for (LocalDate d = firstDay; !d.isAfter(lastDay); d = d.plusDays(1)) {
      days.put(d, new int[2]);
    }
    int deployments = 0;
    int releases = 0;
    int failed = 0;
    int unrestored = 0;
    List<Long> leads = new ArrayList<>();
    List<Long> restores = new ArrayList<>();
    for (int i = 0; i < finished.size(); i++) {
      ReleaseRecord r = finished.get(i);
      if (!ReleaseRecord.RELEASE.equals(r.kind()) || !inWindow(r.finishedAt(), from, to)) {
        continue;
      }
      int[] day = days.get(r.finishedAt().atZone(ZoneOffset.UTC).toLocalDate());
      releases++;
      if (wentLive(r)) {
        deployments++;
        day[0]++;
        committedAt
            .apply(r)
            .ifPresent(c -> leads.add(Duration.between(c, r.finishedAt()).toSeconds()));
      }
      ReleaseRecord next = i + 1 < finished.size() ? finished.get(i + 1) : null;
      boolean failure =
          r.status() == ReleaseStatus.FAILED
              || r.status() == ReleaseStatus.ROLLED_BACK
              || (next != null && ReleaseRecord.ROLLBACK.equals(next.kind()));
      if (failure) {
        failed++;
        day[1]++;
        Optional<ReleaseRecord> restored =
            finished.subList(i + 1, finished.size()).stream()
                .filter(DeliveryFigures::wentLive)
                .findFirst();
        if (restored.isPresent()) {
          restores.add(Duration.between(r.finishedAt(), restored.get().finishedAt()).toSeconds());
        } else {
          unrestored++;
        }
      }
    }
    int dayCount = days.size();
    List<Day> perDay = new ArrayList<>();
    days.forEach((d, n) -> perDay.add(new Day(d, n[0], n[1])));
    return new Figures(
        app,
        env,
        from,
        to,
        dayCount,
        deployments,
        dayCount == 0 ? 0 : (double) deployments / dayCount,
        median(leads),
        releases,
        failed,
        releases == 0 ? null : (double) failed / releases,
        median(restores),
        unrestored,
        perDay);
  }

  /** Did this record make its version live (it may have been rolled back since)? */
  static boolean wentLive(ReleaseRecord r) {
    return r.status() == ReleaseStatus.LIVE || r.status() == ReleaseStatus.ROLLED_BACK;
  }

  private static boolean inWindow(Instant t, Instant from, Instant to) {
    return !t.isBefore(from) && t.isBefore(to);
  }

  /** The median (the lower middle of an even count, so it is always a measured value). */
  static Long median(List<Long> values) {
    if (values.isEmpty()) {
      return null;
    }
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get((sorted.size() - 1) / 2);
  }
}
