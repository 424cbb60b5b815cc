package dev.tarmac.deploy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Package → packages it refers to, each edge with the files that make it; packages are named below
 * {@code root} ({@link #ROOT} for the root itself), cut to their first {@code depth} names if
 * {@code depth > 0}.
 */
public record PackageGraph(Map<String, Map<String, Set<String>>> edges) {
  /** The name of the root package itself. */
  public static final String ROOT = "(root)";

  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");

  public static PackageGraph of(Path src, String root, int depth) throws IOException {
    Pattern reference =
        Pattern.compile("\\b" + Pattern.quote(root) + "\\.((?:[a-z_][a-z0-9_]*\\.)*)[A-Z*]");
    Map<String, Map<String, Set<String>>> edges = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(src)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    for (Path file : files) {
      String text = Files.readString(file);
      Matcher pkg = PACKAGE.matcher(text);
      if (!pkg.find() || !(pkg.group(1) + ".").startsWith(root + ".")) {
        continue;
      }
      String from = local(pkg.group(1).substring(root.length()), depth);
      Map<String, Set<String>> out = edges.computeIfAbsent(from, k -> new TreeMap<>());
      Matcher ref = reference.matcher(withoutComments(text.substring(pkg.end())));
      while (ref.find()) {
        String to = local(ref.group(1).replaceAll("\\.$", ""), depth);
        if (!to.equals(from)) {
          String name = src.relativize(file).toString().replace('\\', '/');
          out.computeIfAbsent(to, k -> new TreeSet<>()).add(name);
        }
      }
    }
    return new PackageGraph(edges);
  }

  private static String local(String below, int depth) {
    String name = below.replaceFirst("^\\.", "");
    if (name.isEmpty()) {
      return ROOT;
    }
    String[] parts = name.split("\\.");
    return depth > 0 && parts.length > depth
        ? String.join(".", List.of(parts).subList(0, depth))
        : name;
  }

  /**
   * The Java text without its comments; string, text block and char literals kept whole, so that
   * {@code "dist/**}{@code /*.css"} starts no comment.
   */
  static String withoutComments(String java) {
    StringBuilder out = new StringBuilder(java.length());
    int i = 0;
    int n = java.length();
    while (i < n) {
      char c = java.charAt(i);
      if (java.startsWith("//", i)) {
        i = java.indexOf('\n', i) < 0 ? n : java.indexOf('\n', i);
      } else if (java.startsWith("/*", i)) {
        int end = java.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        out.append(' ');
      } else if (java.startsWith("\"\"\"", i)) {
        int end = java.indexOf("\"\"\"", i + 3);
        int stop = end < 0 ? n : end + 3;
        out.append(java, i, stop);
        i = stop;
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < n && java.charAt(j) != c && java.charAt(j) != '\n') {
          j += java.charAt(j) == '\\' ? 2 : 1;
        }
        int stop = Math.min(n, j + 1);
        out.append(java, i, stop);
        i = stop;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /**
   * The edges {@code allowed} does not allow, and the packages it does not name (to be placed in
   * {@code where}), sorted.
   */
  public List<String> breaking(Map<String, Set<String>> allowed, String where) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Map<String, Set<String>>> e : edges.entrySet()) {
      String from = e.getKey();
      if (!allowed.containsKey(from)) {
        out.add(from + ": a package no layer names; place it in " + where);
        continue;
      }
      for (Map.Entry<String, Set<String>> to : e.getValue().entrySet()) {
        if (!allowed.get(from).contains(to.getKey())) {
          out.add(from + " -> " + to.getKey() + ": " + String.join(", ", to.getValue()));
        }
      }
    }
    return out;
  }

  /** The first cycle found (its first package repeated at the end), or empty. */
  public Optional<List<String>> cycle() {
    Set<String> done = new HashSet<>();
    for (String start : edges.keySet()) {
      Optional<List<String>> found = visit(start, new ArrayDeque<>(), done);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private Optional<List<String>> visit(String pkg, Deque<String> path, Set<String> done) {
    if (path.contains(pkg)) {
      List<String> onPath = new ArrayList<>(path);
      List<String> cycle = new ArrayList<>(onPath.subList(onPath.indexOf(pkg), onPath.size()));
      cycle.add(pkg);
      return Optional.of(cycle);
    }
    if (!done.add(pkg)) {
      return Optional.empty();
    }
    path.addLast(pkg);
    for (String next : edges.getOrDefault(pkg, Map.of()).keySet()) {
      Optional<List<String>> found = visit(next, path, done);
      if (found.isPresent()) {
        return found;
      }
    }
    path.removeLast();
    return Optional.empty();
  }

  public String describe(List<String> cycle, String where) {
    StringBuilder text =
        new StringBuilder("packages import each other: ")
            .append(String.join(" -> ", cycle))
            .append("\nmove the shared classes down into the lower package (" + where + "):");
    for (int i = 0; i + 1 < cycle.size(); i++) {
      String from = cycle.get(i);
      String to = cycle.get(i + 1);
      text.append("\n  ")
          .append(from)
          .append(" -> ")
          .append(to)
          .append(": ")
          .append(String.join(", ", edges.get(from).get(to)));
    }
    return text.toString();
  }
}
