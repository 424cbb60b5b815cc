package dev.tarmac.deploy.remote;

/**
 * The connection to a host (or its shell) ended under a command: not the command failing, nor a
 * command running out of time. A kept session that turns out to be dead when lent is replaced and
 * its read sent once more on a new one ({@link HostSessions}); nothing else retries on it.
 */
public final class ConnectionLostException extends TransportException {
  public ConnectionLostException(String message, Throwable cause) {
    super(message, cause);
  }

  public ConnectionLostException(String message) {
    super(message);
  }
}
