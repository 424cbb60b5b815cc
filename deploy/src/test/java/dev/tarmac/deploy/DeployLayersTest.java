package dev.tarmac.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.testing.PackageGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy module's packages, and the modules, import one way (docs/architecture.md, "The deploy
 * module's packages"). The graph of {@code dev.tarmac.…} references (imports and fully qualified
 * names in code; a name in a comment is none) between the packages of deploy's main sources has no
 * cycle, and each edge is one that {@link #DEPLOY} allows; a package it does not list fails too, so
 * that a new one is placed on purpose. The distributor's packages have no cycle either, and each
 * module's main sources refer only to the modules below it ({@link #MODULES}). A failure names the
 * cycle or the edge, and the files that make it.
 */
class DeployLayersTest {
  private static final String ROOT = PackageGraph.ROOT;
  private static final String DEPLOY_DOCS =
      "docs/architecture.md, \"The deploy module's packages\"";

  /**
   * Each deploy package and the deploy packages it may refer to. {@code release} (the runner and
   * its phases) on top; {@code store} (the builds of the store with their configs) and {@code
   * remote} (the commands a host runs, the shells that send them) beside each other, neither
   * knowing the other; {@code config} ({@code tarmac.yml}) under them; the root ({@code
   * DeployException}, {@code Threads}) at the bottom. {@code visitors} stands alone and uses the
   * JDK only: the CLI ships deploy's jar without its dependencies for it.
   */
  static final Map<String, Set<String>> DEPLOY =
      Map.of(
          "release",
          Set.of("store", "remote", "config", ROOT),
          "store",
          Set.of("config", ROOT),
          "remote",
          Set.of("config", ROOT),
          "config",
          Set.of(ROOT),
          "visitors",
          Set.of(),
          ROOT,
          Set.of());

  /**
   * Each module and the modules its main sources may refer to. The CLI names the builder's {@code
   * LocalBuild} as a class to start in a process of its own ({@code tarmac check}), not a class it
   * links against.
   */
  static final Map<String, Set<String>> MODULES =
      Map.of(
          "distributor", Set.of(),
          "deploy", Set.of("distributor"),
          "builder", Set.of("deploy", "distributor"),
          "cli", Set.of("builder", "deploy", "distributor"));

  @Test
  void deployPackagesFormNoCycle() throws IOException {
    PackageGraph graph = PackageGraph.of(Path.of("src/main/java"), "dev.tarmac.deploy", 0);
    assertThat(graph.edges()).containsKeys("release", "remote", "store", "config");
    Optional<List<String>> cycle = graph.cycle();
    assertThat(cycle).as(() -> graph.describe(cycle.get(), DEPLOY_DOCS)).isEmpty();
  }

  @Test
  void deployPackagesReferOnlyDownwards() throws IOException {
    assertThat(
            PackageGraph.of(Path.of("src/main/java"), "dev.tarmac.deploy", 0)
                .breaking(DEPLOY, "DeployLayersTest.DEPLOY"))
        .isEmpty();
  }

  @Test
  void distributorPackagesFormNoCycle() throws IOException {
    PackageGraph graph =
        PackageGraph.of(Path.of("../distributor/src/main/java"), "dev.tarmac.distributor", 0);
    assertThat(graph.edges()).containsKeys("store", "model", "records", "delta");
    Optional<List<String>> cycle = graph.cycle();
    assertThat(cycle).as(() -> graph.describe(cycle.get(), DEPLOY_DOCS)).isEmpty();
  }

  @Test
  void modulesReferOnlyToTheModulesBelow() throws IOException {
    List<String> broken = new ArrayList<>();
    for (String module : new TreeSet<>(MODULES.keySet())) {
      PackageGraph graph = PackageGraph.of(Path.of("..", module, "src/main/java"), "dev.tarmac", 1);
      assertThat(graph.edges()).containsKey(module);
      broken.addAll(
          graph.breaking(Map.of(module, MODULES.get(module)), "DeployLayersTest.MODULES"));
    }
    assertThat(broken).isEmpty();
  }

  /**
   * The checks themselves can fail: a three-package cycle, references upwards and sideways, a
   * package no layer names, and a module below referring to one above; names in comments are no
   * references, and a {@code /*} inside a string hides none.
   */
  @Test
  void findsCyclesAndUpwardReferencesAndNamesTheirFiles(@TempDir Path src) throws IOException {
    write(
        src,
        "remote/A.java",
        "package dev.tarmac.deploy.remote;\nimport dev.tarmac.deploy.release.Fleet;\n");
    write(
        src,
        "config/B.java",
        "package dev.tarmac.deploy.config;\nclass B { dev.tarmac.deploy.remote.Shell s; }\n");
    write(
        src,
        "release/C.java",
        "package dev.tarmac.deploy.release;\nimport dev.tarmac.deploy.remote.Shell;\n"
            + "/** {@link dev.tarmac.deploy.visitors.Visitors} */ // dev.tarmac.deploy.visitors.V\n"
            + "class C { String glob = \"dist/**/*.css\"; dev.tarmac.deploy.store.Builds b; }\n");
    write(
        src,
        "store/E.java",
        "package dev.tarmac.deploy.store;\nimport dev.tarmac.deploy.remote.*;\n"
            + "import dev.tarmac.deploy.config.TarmacConfig;\nclass E { char c = '\"'; }\n");
    write(src, "extra/G.java", "package dev.tarmac.deploy.extra;\n");
    PackageGraph graph = PackageGraph.of(src, "dev.tarmac.deploy", 0);
    List<String> cycle = graph.cycle().orElseThrow();
    assertThat(cycle).containsExactly("remote", "release", "remote");
    assertThat(graph.describe(cycle, DEPLOY_DOCS))
        .contains("remote -> release -> remote")
        .contains("release -> remote: dev/tarmac/deploy/release/C.java")
        .contains("remote -> release: dev/tarmac/deploy/remote/A.java");
    assertThat(graph.breaking(DEPLOY, "DeployLayersTest.DEPLOY"))
        .containsExactly(
            "config -> remote: dev/tarmac/deploy/config/B.java",
            "extra: a package no layer names; place it in DeployLayersTest.DEPLOY",
            "remote -> release: dev/tarmac/deploy/remote/A.java",
            "store -> remote: dev/tarmac/deploy/store/E.java");

    write(src, "config/B.java", "package dev.tarmac.deploy.config;\n");
    write(src, "remote/A.java", "package dev.tarmac.deploy.remote;\n");
    PackageGraph fixed = PackageGraph.of(src, "dev.tarmac.deploy", 0);
    assertThat(fixed.cycle()).isEmpty();
    assertThat(fixed.edges().get("release")).containsOnlyKeys("remote", "store");

    Path modules = src.resolve("modules");
    Files.createDirectories(modules);
    Files.writeString(
        modules.resolve("Names.java"),
        "package dev.tarmac.distributor.model;\nimport dev.tarmac.deploy.Threads;\n");
    assertThat(
            PackageGraph.of(modules, "dev.tarmac", 1)
                .breaking(Map.of("distributor", Set.of()), "MODULES"))
        .containsExactly("distributor -> deploy: Names.java");
  }

  private static void write(Path src, String relative, String text) throws IOException {
    Path file = src.resolve("dev/tarmac/deploy").resolve(relative).normalize();
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
