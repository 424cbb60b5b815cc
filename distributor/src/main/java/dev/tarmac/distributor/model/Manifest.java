package dev.tarmac.distributor.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The list of an artifact's regular files with their sha256, in {@code sha256sum} format (one line
 * {@code <64 hex> <path>} per file, sorted by path), so a server can check a release with {@code
 * sha256sum -c manifest.sha256} and nothing else.
 */
public record Manifest(List<Entry> entries) {
  private static final Pattern LINE = Pattern.compile("([0-9a-f]{64})  (.+)");

  public record Entry(String path, String sha256) {
    public Entry {
      checkPath(path);
      if (!sha256.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("not a sha256: " + sha256 + " for " + path);
      }
    }
  }

  public Manifest {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(Entry::path));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).path().equals(sorted.get(i - 1).path())) {
        throw new IllegalArgumentException("manifest lists " + sorted.get(i).path() + " twice");
      }
    }
    entries = List.copyOf(sorted);
  }

  /**
   * A path the manifest can hold: relative, no {@code .}/{@code ..} segment, and no newline or
   * backslash (which {@code sha256sum} would escape).
   */
  public static String checkPath(String path) {
    if (path.isEmpty()
        || path.startsWith("/")
        || path.contains("\n")
        || path.contains("\r")
        || path.contains("\\")
        || ("/" + path + "/").contains("/../")
        || ("/" + path + "/").contains("/./")
        || path.contains("//")) {
      throw new IllegalArgumentException(
          "file name '"
              + path.replace("\n", "\\n")
              + "' cannot be shipped: rename it (no newline,"
              + " backslash, empty, . or .. segment)");
    }
    return path;
  }

  public String write() {
    StringBuilder out = new StringBuilder();
    for (Entry e : entries) {
      out.append(e.sha256()).append("  ").append(e.path()).append('\n');
    }
    return out.toString();
  }

  public byte[] bytes() {
    return write().getBytes(StandardCharsets.UTF_8);
  }

  public static Manifest parse(String text) {
    List<Entry> entries = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty() && i == lines.length - 1) {
        break;
      }
      var m = LINE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "manifest line " + (i + 1) + " is not '<sha256>  <path>': " + line);
      }
      entries.add(new Entry(m.group(2), m.group(1)));
    }
    return new Manifest(entries);
  }

  public static Manifest parse(byte[] bytes) {
    return parse(new String(bytes, StandardCharsets.UTF_8));
  }
}
