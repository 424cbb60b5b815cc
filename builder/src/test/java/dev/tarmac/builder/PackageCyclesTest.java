package dev.tarmac.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No two builder packages import each other, directly or through others (docs/architecture.md,
 * "Packages"): the graph of {@code import dev.tarmac.builder.…} lines (and fully qualified names)
 * between the packages of the main sources must be acyclic. A failure prints the cycle and, for
 * each edge of it, the files that make it.
 */
class PackageCyclesTest {
  private static final String ROOT = "dev.tarmac.builder";
  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
  private static final Pattern REFERENCE =
      Pattern.compile("\\b" + Pattern.quote(ROOT) + "\\.((?:[a-z_][a-z0-9_]*\\.)*)[A-Z]");

  @Test
  void builderPackagesFormNoCycle() throws IOException {
    Graph graph = Graph.of(Path.of("src/main/java"));
    assertTrue(
        graph.edges.size() > 5, "found too few packages to be the builder's: " + graph.edges);
    Optional<List<String>> cycle = graph.cycle();
    assertFalse(cycle.isPresent(), () -> graph.describe(cycle.get()));
  }

  /** The check itself can fail: a tree with a two-package and a three-package cycle. */
  @Test
  void findsACycleAndNamesTheFilesThatMakeIt(@TempDir Path src) throws IOException {
    write(
        src,
        "a/A.java",
        "package dev.tarmac.builder.a;\nimport dev.tarmac.builder.b.B;\n"
            + "/** not a dependency: dev.tarmac.builder.d.D */ // nor dev.tarmac.builder.d.D\n");
    write(src, "b/B.java", "package dev.tarmac.builder.b;\nimport dev.tarmac.builder.c.C;\n");
    write(
        src, "c/C.java", "package dev.tarmac.builder.c;\nclass C { dev.tarmac.builder.a.A a; }\n");
    write(src, "d/D.java", "package dev.tarmac.builder.d;\nimport dev.tarmac.builder.a.A;\n");
    Graph graph = Graph.of(src);
    List<String> cycle = graph.cycle().orElseThrow();
    assertEquals(List.of("a", "b", "c", "a"), cycle);
    String described = graph.describe(cycle);
    assertTrue(described.contains("a -> b -> c -> a"), described);
    assertTrue(described.contains("c -> a: dev/tarmac/builder/c/C.java"), described);

    write(src, "c/C.java", "package dev.tarmac.builder.c;\n");
    Graph fixed = Graph.of(src);
    assertEquals(Optional.empty(), fixed.cycle(), () -> fixed.describe(fixed.cycle().get()));
    assertEquals(Set.of("b"), fixed.edges().get("a").keySet());
  }

  private static void write(Path src, String relative, String text) throws IOException {
    Path file = src.resolve("dev/tarmac/builder").resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  /** Package → packages it refers to, each edge with the files that make it. */
  record Graph(Path src, Map<String, Map<String, Set<String>>> edges) {
    static Graph of(Path src) throws IOException {
      Map<String, Map<String, Set<String>>> edges = new TreeMap<>();
      List<Path> files;
      try (Stream<Path> walk = Files.walk(src)) {
        files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
      }
      for (Path file : files) {
        String text = Files.readString(file);
        Matcher pkg = PACKAGE.matcher(text);
        if (!pkg.find() || !(pkg.group(1) + ".").startsWith(ROOT + ".")) {
          continue;
        }
        String from = local(pkg.group(1));
        Map<String, Set<String>> out = edges.computeIfAbsent(from, k -> new TreeMap<>());
        Matcher ref = REFERENCE.matcher(withoutComments(text.substring(pkg.end())));
        while (ref.find()) {
          String to = local(ROOT + "." + ref.group(1).replaceAll("\\.$", ""));
          if (!to.equals(from)) {
            out.computeIfAbsent(to, k -> new TreeSet<>()).add(src.relativize(file).toString());
          }
        }
      }
      return new Graph(src, edges);
    }

    /** A name in a comment is no dependency; an import used only by javadoc still is one. */
    private static String withoutComments(String java) {
      return java.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    }

    private static String local(String pkg) {
      return pkg.equals(ROOT) ? "(root)" : pkg.substring(ROOT.length() + 1);
    }

    /** The first cycle found (its first package repeated at the end), or empty. */
    Optional<List<String>> cycle() {
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

    String describe(List<String> cycle) {
      StringBuilder text =
          new StringBuilder("builder packages import each other: ")
              .append(String.join(" -> ", cycle))
              .append(
                  "\nmove the shared classes down into the lower package"
                      + " (docs/architecture.md, \"Packages\"):");
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
}
