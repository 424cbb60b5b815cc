package dev.tarmac.deploy.remote;

import java.time.Duration;

/**
 * How commands reach one host: {@link SshTransport} (sshj, one connection kept for the whole
 * release) or {@link LocalTransport} ({@code sh -c} on this machine, for hosts whose address is
 * {@code local}). Both run the very same command strings, built by {@link ReleaseCommands}.
 */
public interface Transport extends AutoCloseable {

  /** The host's name, as the user wrote it in {@code tarmac.yml}. */
  String host();

  /**
   * Runs {@code command} through the host's {@code sh}.
   *
   * @throws TransportException when the host cannot be reached or the command outlives {@code
   *     timeout} (it is then stopped)
   */
  CommandResult run(String command, Duration timeout);

  /**
   * Starts {@code command} on the host now, {@linkplain ReleaseCommands#onSignal waiting} for a
   * signal on its standard input; {@link Prepared#run()} sends the signal and waits for the result.
   * Everything slow (session, process) happens here, so the moment {@code run()} starts costs only
   * the command itself: how activation switches every host at the same moment. A prepared command
   * that is never run is cancelled by {@link Prepared#cancel()} and does nothing.
   */
  Prepared prepare(String command, Duration timeout);

  /** A command running on the host, waiting for its signal. */
  interface Prepared {
    /** Sends the signal; returns when it is on its way. */
    java.time.Instant signal();

    /** Waits for the command the signal started, timed from {@code signalled}. */
    CommandResult await(java.time.Instant signalled);

    default CommandResult run() {
      return await(signal());
    }

    void cancel();
  }

  @Override
  void close();
}
