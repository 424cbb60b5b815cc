package dev.tarmac.builder.auth;

import java.util.Locale;

/**
 * What a token may do, each role including the one before it: {@code viewer} reads; {@code
 * deployer} also builds and releases or rolls back (only to its environments when it has some);
 * {@code admin} also manages apps and tokens.
 */
public enum Role {
  VIEWER,
  DEPLOYER,
  ADMIN;

  public boolean allows(Role needed) {
    return compareTo(needed) >= 0;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code viewer}, {@code deployer} or {@code admin}; anything else is refused by name. */
  public static Role parse(String s) {
    if (s != null) {
      for (Role r : values()) {
        if (r.label().equals(s.strip().toLowerCase(Locale.ROOT))) {
          return r;
        }
      }
    }
    throw new IllegalArgumentException("role '" + s + "' is not one of viewer, deployer or admin");
  }
}
