package dev.tarmac.deploy;

/** A release, rollback or configuration failed; the message names the host, path or key. */
public class DeployException extends RuntimeException {
  public DeployException(String message) {
    super(message);
  }

  public DeployException(String message, Throwable cause) {
    super(message, cause);
  }
}
