package dev.tarmac.deploy.release;

import java.time.Instant;

/**
 * Progress of a release as it happens: a task started, finished or failed on a host, the bytes a
 * host has downloaded so far ({@code PROGRESS}, with {@code bytes} of {@code total}), or the plan
 * moved to its next phase ({@code host} is null then). The service streams these as server-sent
 * events.
 */
public record ReleaseEvent(
    Instant at, String host, String task, Kind kind, String message, Long bytes, Long total) {
  public enum Kind {
    PHASE,
    STARTED,
    PROGRESS,
    OK,
    FAILED
  }

  public ReleaseEvent(Instant at, String host, String task, Kind kind, String message) {
    this(at, host, task, kind, message, null, null);
  }

  @Override
  public String toString() {
    return at
        + " "
        + (host == null ? "*" : host)
        + " "
        + task
        + " "
        + kind
        + (message == null || message.isEmpty() ? "" : ": " + message);
  }
}
