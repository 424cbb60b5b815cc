package dev.tarmac.builder.workspace;

/**
 * A build failed; the message says which step, what failed (file, line, command) and what to do.
 */
public class BuildException extends RuntimeException {
  public BuildException(String message) {
    super(message);
  }

  public BuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
