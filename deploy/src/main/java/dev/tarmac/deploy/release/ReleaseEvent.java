package dev.tarmac.deploy.release;

import java.time.Instant;

/**
 * Progress of a release as it happens: a task started, finished or failed on a host, or the plan
 * moved to its next phase ({@code host} is null then). The service streams these as server-sent
 * events.
 */
public record ReleaseEvent(Instant at, String host, String task, Kind kind, String message) {
  public enum Kind {
    PHASE,
    STARTED,
    OK,
    FAILED
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
