package dev.tarmac.builder.workspace;

import java.time.Duration;

/**
 * When the service's own work on a build's tree must end ({@code build.timeout}), handed to the
 * steps that walk the tree and checked at every file: a tree of 400,000 small files held the build
 * slot 171 s past a 40 s timeout in the tree check, fingerprint, exclude and pack
 * (docs/architecture.md, "Build isolation").
 */
public final class Deadline {
  /** No end: for callers outside a build (tests of one step, a local tool). */
  public static final Deadline NONE = new Deadline(null, Long.MAX_VALUE);

  private final Duration timeout;
  private final long end;

  private Deadline(Duration timeout, long end) {
    this.timeout = timeout;
    this.end = end;
  }

  /** Ends {@code timeout} ({@code build.timeout}) from now. */
  public static Deadline after(Duration timeout) {
    return new Deadline(timeout, System.nanoTime() + timeout.toNanos());
  }

  /** What is left (zero once passed; a day when there is no end). */
  public Duration remaining() {
    if (timeout == null) {
      return Duration.ofDays(1);
    }
    return Duration.ofNanos(Math.max(0, end - System.nanoTime()));
  }

  /**
   * Fails the build once the deadline has passed: {@code <step> did not finish within build.timeout
   * (40s) (at <path>); …}.
   */
  public void check(String step, String at) {
    if (timeout != null && System.nanoTime() - end > 0) {
      throw new BuildException(
          step
              + " did not finish within build.timeout ("
              + timeout.toSeconds()
              + "s) (at "
              + at
              + "); the tree has too many files for it: ship fewer files (build.exclude), or"
              + " raise build.timeout in tarmac.yml");
    }
  }
}
