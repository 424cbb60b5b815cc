package dev.tarmac.builder.web;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** How the dashboard writes sizes and durations. */
final class Format {
  private Format() {}

  /** {@code 1.4 s}, {@code 2 min 5 s}; empty when not both ends are known. */
  static String duration(Instant start, Instant end) {
    if (start == null || end == null) {
      return "";
    }
    return seconds(Duration.between(start, end).toMillis() / 1000.0);
  }

  static String seconds(Double s) {
    if (s == null) {
      return "–";
    }
    if (s < 60) {
      return String.format(Locale.ROOT, "%.1f s", s);
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %d s", (long) (s / 60), (long) (s % 60));
    }
    if (s < 86400) {
      return String.format(Locale.ROOT, "%.1f h", s / 3600);
    }
    return String.format(Locale.ROOT, "%.1f days", s / 86400);
  }

  private static final java.time.format.DateTimeFormatter WHEN =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
          .withZone(java.time.ZoneOffset.UTC);

  /** {@code 2026-11-27 16:46:01 UTC}; empty when unknown. */
  static String when(Instant t) {
    return t == null ? "" : WHEN.format(t);
  }

  static String bytes(Long n) {
    if (n == null) {
      return "";
    }
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
  }

  /**
   * A message's lines without the blank ones, each stripped (an error that lists several problems,
   * one a line, is shown as a list, without their own {@code - }); empty for none.
   */
  static java.util.List<String> lines(String message) {
    if (message == null) {
      return java.util.List.of();
    }
    return message
        .lines()
        .map(String::strip)
        .map(l -> l.startsWith("- ") ? l.substring(2).strip() : l)
        .filter(l -> !l.isEmpty())
        .toList();
  }
}
