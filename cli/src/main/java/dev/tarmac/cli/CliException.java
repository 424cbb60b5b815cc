package dev.tarmac.cli;

/** A failure the CLI explains in one sentence, with its exit code. */
public class CliException extends RuntimeException {
  public static final int USAGE = 2;
  public static final int CONFIG = 3;
  public static final int LOCKED = 4;
  public static final int REMOTE = 5;
  public static final int NOT_FOUND = 6;
  public static final int UNREACHABLE = 7;

  /** {@code status}: a host serves another version than the history says is live. */
  public static final int DRIFT = 8;

  /** {@code status}: a host could not be read (connection, login or command failed). */
  public static final int HOSTS_UNREACHABLE = 9;

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
