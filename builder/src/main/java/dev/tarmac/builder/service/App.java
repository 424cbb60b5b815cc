package dev.tarmac.builder.service;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A registered app: its name, its git repository, whether new tags are built automatically, and
 * which branches a webhook's push builds ({@code branches}: globs, none by default;
 * docs/architecture.md, "Builds from any ref").
 */
public record App(
    String name, String repo, boolean watch, Instant createdAt, List<String> branches) {
  /** The most branch globs an app may give. */
  public static final int MAX_BRANCH_GLOBS = 32;

  public App {
    branches = branches == null ? List.of() : List.copyOf(branches);
  }

  public App(String name, String repo, boolean watch, Instant createdAt) {
    this(name, repo, watch, createdAt, List.of());
  }

  /** The app as the API answers it: a password in the repository URL is {@code ***}. */
  public App redacted() {
    return new App(name, dev.tarmac.builder.git.RepoUrls.redact(repo), watch, createdAt, branches);
  }

  /**
   * True when a push of {@code branch} is to be built: one of {@link #branches} matches it ({@code
   * *} within a segment, {@code **} across segments, {@code main}, {@code release/*}).
   */
  public boolean buildsBranch(String branch) {
    return branches.stream().anyMatch(glob -> glob(glob).matcher(branch).matches());
  }

  /** Null when {@code glob} is a branch glob Tarmac takes; else what is wrong with it. */
  public static String checkBranchGlob(String glob) {
    if (glob == null
        || !glob.matches("[A-Za-z0-9._/*-]{1,100}")
        || glob.contains("..")
        || glob.startsWith("/")
        || glob.startsWith("-")
        || glob.contains("//")) {
      return "'"
          + glob
          + "' is not a branch glob: use 1 to 100 of A-Z a-z 0-9 . _ - / and * (within a name) or"
          + " ** (across /), such as main or release/*";
    }
    return null;
  }

  private static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
