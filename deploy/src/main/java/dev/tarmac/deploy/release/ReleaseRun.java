package dev.tarmac.deploy.release;

/**
 * A release or rollback that has its lock and its record, and has not touched a host yet ({@link
 * Deployer#startRelease}, {@link Deployer#startRollback}): the caller answers with {@link
 * #record()} at once and hands {@link #run()} to a worker. One of {@link #run()} or {@link
 * #close()} must follow.
 */
public interface ReleaseRun extends AutoCloseable {
  /** The run's first record (PREPARING): its number, what it puts live, by whom. */
  ReleaseRecord record();

  /** Runs every phase; returns the LIVE record or throws {@link ReleaseFailedException}. */
  ReleaseRecord run();

  /** Gives the lock back without running (the caller could not hand the run on). */
  @Override
  void close();
}
