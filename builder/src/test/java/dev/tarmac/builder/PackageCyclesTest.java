package dev.tarmac.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tarmac.deploy.testing.PackageGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
  private static final String DOCS = "docs/architecture.md, \"Packages\"";

  @Test
  void builderPackagesFormNoCycle() throws IOException {
    PackageGraph graph = PackageGraph.of(Path.of("src/main/java"), ROOT, 0);
    assertTrue(
        graph.edges().size() > 5, "found too few packages to be the builder's: " + graph.edges());
    Optional<List<String>> cycle = graph.cycle();
    assertFalse(cycle.isPresent(), () -> graph.describe(cycle.get(), DOCS));
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
    PackageGraph graph = PackageGraph.of(src, ROOT, 0);
    List<String> cycle = graph.cycle().orElseThrow();
    assertEquals(List.of("a", "b", "c", "a"), cycle);
    String described = graph.describe(cycle, DOCS);
    assertTrue(described.contains("a -> b -> c -> a"), described);
    assertTrue(described.contains("c -> a: dev/tarmac/builder/c/C.java"), described);

    write(src, "c/C.java", "package dev.tarmac.builder.c;\n");
    PackageGraph fixed = PackageGraph.of(src, ROOT, 0);
    assertEquals(Optional.empty(), fixed.cycle(), () -> fixed.describe(fixed.cycle().get(), DOCS));
    assertEquals(Set.of("b"), fixed.edges().get("a").keySet());
  }

  private static void write(Path src, String relative, String text) throws IOException {
    Path file = src.resolve("dev/tarmac/builder").resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
