package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;

/** The environment is locked by another release or rollback; the message names the holder. */
public class LockedException extends DeployException {
  public LockedException(String message) {
    super(message);
  }
}
