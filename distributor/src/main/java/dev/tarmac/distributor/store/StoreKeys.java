package dev.tarmac.distributor.store;

import java.util.regex.Pattern;

/** Validation of object keys, shared by every backend so they accept exactly the same keys. */
public final class StoreKeys {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._=+@,-]{1,255}");

  private StoreKeys() {}

  /**
   * Returns {@code key} if it is a relative slash-separated path of safe segments (no empty, {@code
   * .} or {@code ..} segment); throws {@link IllegalArgumentException} otherwise.
   */
  public static String check(String key) {
    if (key == null || key.isEmpty() || key.length() > 1024) {
      throw new IllegalArgumentException("store key must be 1 to 1024 characters: " + key);
    }
    for (String segment : key.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "store key '"
                + key
                + "' has an invalid segment '"
                + segment
                + "': use letters, digits and ._=+@,- separated by single slashes");
      }
    }
    return key;
  }

  /** A prefix for {@link ArtifactStore#list}: empty, or a key optionally ending in a slash. */
  public static String checkPrefix(String prefix) {
    if (prefix.isEmpty()) {
      return prefix;
    }
    check(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
    return prefix;
  }
}
