package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;

/** {@code rollback --to} a version that was never live in the environment (the service's 404). */
public class NeverLiveException extends DeployException {
  public NeverLiveException(String message) {
    super(message);
  }
}
