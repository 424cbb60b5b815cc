package dev.tarmac.distributor.model;

import java.util.regex.Pattern;

/**
 * The names that end up in store keys, paths and shell commands. Anything else is refused here,
 * before it reaches a shell or a file system.
 */
public final class Names {
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final Pattern APP = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final Pattern ENV = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  private Names() {}

  /** A version is a tag name: {@code [A-Za-z0-9._-]{1,128}}, not {@code .} or {@code ..}. */
  public static boolean isVersion(String s) {
    return s != null && VERSION.matcher(s).matches() && !s.equals(".") && !s.equals("..");
  }

  public static String version(String s) {
    if (!isVersion(s)) {
      throw new IllegalArgumentException(
          "'"
              + shown(s)
              + "' is not a valid version: use 1 to 128 of A-Z a-z 0-9 . _ - (a tag name)");
    }
    return s;
  }

  /**
   * A refused name as a message quotes it: its first 64 characters and its length when it is longer
   * (a request body or a path can carry a name of a megabyte).
   */
  public static String shown(String s) {
    return s == null || s.length() <= 64
        ? s
        : s.substring(0, 64) + "… (" + s.length() + " characters)";
  }

  public static boolean isApp(String s) {
    return s != null && APP.matcher(s).matches();
  }

  public static String app(String s) {
    if (!isApp(s)) {
      throw new IllegalArgumentException(
          "'"
              + shown(s)
              + "' is not a valid app name: use 1 to 63 of a-z 0-9 _ -, starting with a letter or digit");
    }
    return s;
  }

  public static boolean isEnv(String s) {
    return s != null && ENV.matcher(s).matches();
  }

  public static String env(String s) {
    if (!isEnv(s)) {
      throw new IllegalArgumentException(
          "'" + shown(s) + "' is not a valid environment name: use 1 to 63 of a-z 0-9 _ -");
    }
    return s;
  }

  private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._/-]{0,99}");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{7,40}");

  /**
   * A branch Tarmac builds: 1 to 100 of {@code A-Z a-z 0-9 . _ - /}, not starting with {@code -} or
   * {@code /}, without {@code ..}, {@code //} or a trailing {@code /} or {@code .lock}.
   */
  public static boolean isBranch(String s) {
    return s != null
        && BRANCH.matcher(s).matches()
        && !s.contains("..")
        && !s.contains("//")
        && !s.endsWith("/")
        && !s.endsWith(".lock");
  }

  /** A commit id as given to {@code --ref}: 7 to 40 lower-case hex digits. */
  public static boolean isCommit(String s) {
    return s != null && COMMIT.matcher(s).matches();
  }

  /**
   * The version of a build of {@code branch} (null: of a commit given by its id) at {@code commit}:
   * {@code main-1a2b3c4}, {@code feature-login-1a2b3c4} ({@code /} becomes {@code -}), {@code
   * commit-1a2b3c4}; always a valid {@link #version}.
   */
  public static String refVersion(String branch, String commit) {
    if (!isCommit(commit) || commit.length() < 7) {
      throw new IllegalArgumentException("'" + shown(commit) + "' is not a commit id");
    }
    String name = branch == null ? "commit" : branch(branch).replace('/', '-');
    return version(name + "-" + commit.substring(0, 7));
  }

  public static String branch(String s) {
    if (!isBranch(s)) {
      throw new IllegalArgumentException(
          "'"
              + shown(s)
              + "' is not a branch Tarmac builds: use 1 to 100 of A-Z a-z 0-9 . _ - /, not"
              + " starting with - or /, without .. or //");
    }
    return s;
  }
}
