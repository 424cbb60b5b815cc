package dev.tarmac.distributor.model;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads an instant in the form {@link Instant#toString} writes ({@code
 * 2026-12-08T03:22:56.877144127Z}: a four-digit year, no offset but {@code Z}, 0 to 9 digits of
 * fraction) by hand, and anything else through {@link Instant#parse}, with the same result and the
 * same errors. A release record of 16 hosts carries hundreds of times; the JDK's formatter-based
 * parse of them was the largest part of the service's CPU when 50 clients read the history
 * (docs/benchmarks.md, "50 clients × 40 mixed requests during a release to 16 hosts").
 */
public final class Instants {
  private Instants() {}

  public static Instant parse(CharSequence text) {
    Instant fast = canonical(text);
    return fast != null ? fast : Instant.parse(text);
  }

  /** The canonical form read by hand, or null when {@code text} is not in it. */
  private static Instant canonical(CharSequence t) {
    int n = t.length();
    if (n < 20
        || n > 30
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || t.charAt(10) != 'T'
        || t.charAt(13) != ':'
        || t.charAt(16) != ':'
        || t.charAt(n - 1) != 'Z') {
      return null;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 2);
    int day = digits(t, 8, 2);
    int hour = digits(t, 11, 2);
    int minute = digits(t, 14, 2);
    int second = digits(t, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
      return null;
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return null;
    }
    int nanos = 0;
    if (n > 20) {
      // ".f" to ".fffffffff"
      int fraction = n - 21;
      if (t.charAt(19) != '.' || fraction < 1 || fraction > 9) {
        return null;
      }
      int f = digits(t, 20, fraction);
      if (f < 0) {
        return null;
      }
      nanos = f;
      for (int i = fraction; i < 9; i++) {
        nanos *= 10;
      }
    }
    long days;
    try {
      days = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException e) {
      return null; // Instant.parse says what is wrong
    }
    return Instant.ofEpochSecond(days * 86_400 + hour * 3600L + minute * 60L + second, nanos);
  }

  /** The number written by {@code count} ASCII digits at {@code from}, or -1. */
  private static int digits(CharSequence t, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
