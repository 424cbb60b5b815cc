package dev.tarmac.deploy.remote;

/** POSIX shell quoting for every argument Tarmac puts into a remote command. */
public final class Shell {
  private Shell() {}

  /** {@code it's} → {@code 'it'\''s'}: safe as one word in any POSIX shell. */
  public static String quote(String argument) {
    if (!argument.isEmpty() && argument.matches("[A-Za-z0-9._/@%+=:,-]+")) {
      return argument;
    }
    return "'" + argument.replace("'", "'\\''") + "'";
  }
}
