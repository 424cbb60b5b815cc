package dev.tarmac.deploy.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Watches every host's {@code current} link from outside, as a user would, on its own thread: every
 * link is read, then 0.2 ms of pause, again and again; each change of target is recorded with the
 * moment it was seen (so a figure is good to about a quarter of a millisecond). The activation
 * window is measured from this (first host switched → last host switched), never from Tarmac's
 * record.
 */
public final class CurrentPoller implements AutoCloseable {
  /** One change seen on one host. */
  public record Change(int host, String target, long nanos) {}

  private final List<Path> links;
  private final List<Change> changes = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long loops;

  /** {@code links}: each host's {@code current}, seen from outside its namespace. */
  public CurrentPoller(List<Path> links) {
    this.links = List.copyOf(links);
    String[] last = new String[links.size()];
    for (int i = 0; i < last.length; i++) {
      last[i] = read(links.get(i));
    }
    thread =
        new Thread(
            () -> {
              while (running) {
                for (int i = 0; i < last.length; i++) {
                  String now = read(this.links.get(i));
                  if (!Objects.equals(now, last[i])) {
                    long at = System.nanoTime();
                    synchronized (changes) {
                      changes.add(new Change(i, now, at));
                    }
                    last[i] = now;
                  }
                }
                loops++;
                // a pause of 0.2 ms between rounds: a loop that never sleeps would take one of
                // this machine's two cores from the hosts it measures
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
              }
            },
            "current-poller");
    thread.setDaemon(true);
    thread.start();
  }

  private static String read(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** Every change seen so far. */
  public List<Change> changes() {
    synchronized (changes) {
      return List.copyOf(changes);
    }
  }

  /**
   * The window in which every host came to point at {@code target}: first host → last host (each
   * host's first sighting). Throws when some host never did.
   */
  public Duration window(String target) {
    long[] first = new long[links.size()];
    for (Change c : changes()) {
      if (target.equals(c.target()) && first[c.host()] == 0) {
        first[c.host()] = c.nanos();
      }
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < first.length; i++) {
      if (first[i] == 0) {
        throw new AssertionError(links.get(i) + " never pointed at " + target + ": " + changes());
      }
      min = Math.min(min, first[i]);
      max = Math.max(max, first[i]);
    }
    return Duration.ofNanos(max - min);
  }

  /** How many times every link was read (the poller's resolution is window / that many). */
  public long loops() {
    return loops;
  }

  /** Clears what was seen, to measure the next switch on its own. */
  public void reset() {
    synchronized (changes) {
      changes.clear();
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
