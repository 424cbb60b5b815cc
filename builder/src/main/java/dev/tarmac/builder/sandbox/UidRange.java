package dev.tarmac.builder.sandbox;

/**
 * {@code tarmac.build.uids}: the uids (and equal gids) builds run as, one of its own per running
 * build, as systemd's {@code DynamicUser=} does (docs/architecture.md, "Build isolation"). No uid
 * of the range may have an entry in {@code /etc/passwd} or a process that is not a build's: those
 * are skipped.
 */
public record UidRange(int first, int last) {
  /** Above Debian's and systemd's own ranges (systemd's dynamic users: 61184-65519). */
  public static final UidRange DEFAULT = new UidRange(700_000, 700_255);

  public UidRange {
    if (first < 1000 || last < first || last - first > 65_535 || last >= 2_097_151) {
      throw new IllegalArgumentException(
          "tarmac.build.uids is "
              + first
              + "-"
              + last
              + "; expected a range FIRST-LAST of at most 65536 uids between 1000 and 2097150"
              + " that no user of this machine has, such as 700000-700255");
    }
  }

  /** {@code FIRST-LAST}, as written in the configuration. */
  static UidRange parse(String text) {
    String[] parts = text.trim().split("-", -1);
    try {
      if (parts.length == 2) {
        return new UidRange(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(
        "tarmac.build.uids is '" + text + "'; expected FIRST-LAST, such as 700000-700255");
  }

  public int size() {
    return last - first + 1;
  }

  public boolean contains(int uid) {
    return uid >= first && uid <= last;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
