package dev.tarmac.deploy.remote;

import dev.tarmac.deploy.DeployException;

/** A host could not be reached, refused us, or a command ran out of time. */
public class TransportException extends DeployException {
  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }

  public TransportException(String message) {
    super(message);
  }
}
