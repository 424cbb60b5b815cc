package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Renews the environment lock's lease every third of it while a release runs; {@link #check()}
 * stops the release between phases when the lock was lost.
 */
final class LeaseKeeper implements AutoCloseable {
  private final ScheduledExecutorService timer;
  private volatile DeployException lost;

  LeaseKeeper(EnvLock lock, Duration lease) {
    timer = dev.tarmac.deploy.Threads.timer("tarmac-lease");
    long every = Math.max(1000, lease.toMillis() / 3);
    timer.scheduleAtFixedRate(
        () -> {
          try {
            lock.renew();
          } catch (DeployException e) {
            lost = e;
          } catch (RuntimeException e) {
            // the store hiccuped; the next renewal tries again well before the lease ends
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
  }

  void check() {
    if (lost != null) {
      throw lost;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
