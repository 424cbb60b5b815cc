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
   * Opens whatever running {@code command} needs (an SSH session) now, so that {@link
   * Prepared#run()} costs only the command itself: how activation starts the switch on every host
   * at the same moment.
   */
  Prepared prepare(String command, Duration timeout);

  /** A command whose channel is open and that starts when {@link #run()} is called. */
  interface Prepared {
    CommandResult run();
  }

  @Override
  void close();
}
