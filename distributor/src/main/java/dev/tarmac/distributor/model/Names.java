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
}
