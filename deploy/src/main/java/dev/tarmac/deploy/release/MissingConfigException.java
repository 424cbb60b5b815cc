package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;

/**
 * A release refused before its lock and its hosts: a name its {@code tarmac.yml} requires is set
 * neither for the app nor for the environment (docs/configuration-and-secrets.md).
 */
public final class MissingConfigException extends DeployException {
  public MissingConfigException(String message) {
    super(message);
  }
}
