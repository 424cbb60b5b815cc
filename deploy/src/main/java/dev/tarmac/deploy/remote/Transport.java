package dev.tarmac.deploy.remote;

import java.time.Duration;
import java.time.Instant;

/**
 * How commands reach one host: {@link SshTransport} (sshj) or {@link LocalTransport} (this machine,
 * for hosts whose address is {@code local}). Both start one {@link HostShell} for the whole release
 * and send it the very same command strings, built by the pure builders of this package
 * (docs/architecture.md, "One shell per host").
 */
public interface Transport extends AutoCloseable {

  /** The host's name, as the user wrote it in {@code tarmac.yml}. */
  String host();

  /**
   * Runs {@code command} through the host's shell, one command at a time.
   *
   * @throws TransportException when the host cannot be reached, its shell died, or the command
   *     outlived {@code timeout} (it is then stopped)
   */
  CommandResult run(String command, Duration timeout);

  /**
   * Runs a short read-only command whose answer is a few lines of text ({@link HostShell#read}):
   * the host forks once for it; trailing empty lines of its output are dropped. One that outlives
   * {@code timeout} ends the transport's shell instead of being stopped. How status reads go.
   *
   * @throws TransportException as {@link #run} does
   */
  CommandResult read(String command, Duration timeout);

  /**
   * Runs a short read-only command beside the one running now (a second shell, opened on first
   * use): how a download's progress is asked for while it runs.
   */
  CommandResult probe(String command, Duration timeout);

  /**
   * Sends {@code command} to the host, where it waits for a signal; {@link
   * Prepared#awaitReady(Duration)} waits for the host to acknowledge that it holds it, {@link
   * Prepared#signal()} runs it. How activation switches every host at the same moment: the signal
   * is sent only when every host has acknowledged. A prepared command that is never signalled is
   * {@linkplain Prepared#cancel() cancelled} and does nothing. The command acknowledges itself
   * ({@link HostShell#gate}): {@link HostShell#acknowledged} makes any command one that does.
   */
  Prepared prepare(String command, Duration timeout);

  /** SSH sessions (or local shells) this transport has opened so far. */
  int sessionsOpened();

  /**
   * Whether this transport can still run commands as it is: its connection is up, its shell (if
   * started) has not ended, and (SSH) the host's key is still the one {@code known_hosts} trusts. A
   * kept session is lent only when it is ({@link HostSessions}).
   */
  default boolean usable() {
    return true;
  }

  /** A command on the host, waiting for its signal. */
  interface Prepared {
    /**
     * Waits until the host holds the command and waits for its signal.
     *
     * @throws TransportException when it does not say so within {@code limit}
     */
    void awaitReady(Duration limit);

    /**
     * Sends the signal, to run at {@code atNanos} ({@link System#nanoTime}; a moment passed: at
     * once): the host is told how long to wait after it reads the signal. Returns when it is on its
     * way, with the moment the command was told to run.
     */
    Instant signal(long atNanos);

    /** {@link #signal(long)} at once. */
    default Instant signal() {
      return signal(System.nanoTime());
    }

    /** Waits for the command the signal started, timed from {@code signalled}. */
    CommandResult await(Instant signalled);

    void cancel();
  }

  @Override
  void close();
}
