package dev.tarmac.builder.workspace;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Path globs as users of .gitignore and Deployer expect them: {@code *} within one path segment,
 * {@code **} across segments ({@code a/**}{@code /b} matches {@code a/b} too), {@code ?} one
 * character. A pattern without a slash matches a file or directory name at any depth.
 */
public final class Globs {
  private final List<Pattern> patterns;

  public Globs(List<String> globs) {
    this.patterns = globs.stream().map(Globs::compile).toList();
  }

  public boolean matches(String relativePath) {
    for (Pattern p : patterns) {
      if (p.matcher(relativePath).matches()) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  static Pattern compile(String glob) {
    String g = glob.startsWith("/") ? glob.substring(1) : glob;
    g = g.endsWith("/") ? g.substring(0, g.length() - 1) : g;
    StringBuilder re = new StringBuilder();
    if (!g.contains("/")) {
      re.append("(?:.*/)?");
    }
    for (int i = 0; i < g.length(); i++) {
      char c = g.charAt(i);
      if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
        if (i + 2 < g.length() && g.charAt(i + 2) == '/') {
          re.append("(?:.*/)?");
          i += 2;
        } else {
          re.append(".*");
          i++;
        }
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
