package dev.tarmac.builder.bench;

import dev.tarmac.builder.pipeline.steps.MinifyAssetsStep;
import dev.tarmac.builder.pipeline.steps.MinifyTargets;
import dev.tarmac.builder.sandbox.BuildTools;
import dev.tarmac.builder.testing.InSandbox;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.testing.MarkdownSection;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The minify step against running the esbuild binary by hand on the same files with the same
 * targets (issue 11: at most 1.2×). 600 vendor-like ES5 files and 200 CSS files (the test fixtures,
 * varied), median of 15 rounds (after a warm-up round; each round runs both, taking turns to go
 * first), each on a fresh copy. Prints the figures and writes them into docs/benchmarks.md.
 */
public final class MinifyBenchmark {
  private static final int RUNS = 15;

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md").toAbsolutePath();
    String machine = BenchSetup.machine();
    Path root = Path.of("target/bench-minify").toAbsolutePath();
    TreeFiles.deleteRecursively(root);
    Path source = root.resolve("source");
    String widget = resource("widget.js");
    String chart = resource("chart.js");
    String theme = resource("theme.css");
    for (int i = 0; i < 300; i++) {
      write(source.resolve("js/w" + i + ".js"), widget.replace("widget", "widget" + i));
      write(source.resolve("js/c" + i + ".js"), chart.replace("MiniChart", "MiniChart" + i));
    }
    for (int i = 0; i < 200; i++) {
      write(source.resolve("css/t" + i + ".css"), theme.replace("modal", "modal" + i));
    }
    Path cache = root.resolve("cache");
    Path esbuild = new BuildTools(cache).esbuild();
    List<Double> step = new ArrayList<>();
    List<Double> hand = new ArrayList<>();
    for (int run = -1; run < RUNS; run++) { // run -1 warms the JVM and the page cache; not counted
      // alternate which goes first, so neither always meets a warmer page cache
      for (boolean stepNow : (run & 1) == 0 ? List.of(true, false) : List.of(false, true)) {
        Path copy = copy(source, root.resolve((stepNow ? "a" : "b") + run));
        long t = System.nanoTime();
        if (stepNow) {
          try (BuildLog log = new BuildLog(root.resolve("a" + run + ".log"))) {
            InSandbox.none(
                copy,
                session ->
                    new MinifyAssetsStep(
                            session,
                            List.of("**/*.js", "**/*.css"),
                            List.of(),
                            java.time.Duration.ofMinutes(10),
                            log)
                        .run());
          }
          if (run >= 0) {
            step.add((System.nanoTime() - t) / 1e6);
          }
        } else {
          esbuild(esbuild, copy, "es5", "js");
          esbuild(esbuild, copy, String.join(",", MinifyTargets.CONSERVATIVE_CSS), "css");
          if (run >= 0) {
            hand.add((System.nanoTime() - t) / 1e6);
          }
        }
      }
    }
    double s = median(step);
    double h = median(hand);
    // each round runs both back to back: their ratio is taken under the same machine load, which a
    // ratio of the two medians is not (other work on the machine moves both, in different runs)
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      ratios.add(step.get(i) / hand.get(i));
    }
    double r = median(ratios);
    String md =
        String.format(
            "600 ES5 JS files (the vendor fixtures, varied) and 200 CSS files, no targets said"
                + " (JS at es5, CSS at the conservative default), each run on a fresh copy, the"
                + " two taking turns to go first, after one uncounted warm-up round."
                + " Machine: %s.%n%n"
                + "| measure | result | target |%n|---|---|---|%n"
                + "| minify step (median of %d) | %.0f ms | – |%n"
                + "| esbuild binary by hand, same files, same targets (median of %d) | %.0f ms | – |%n"
                + "| step / by hand, median of the %d rounds' own ratios | %.2f× | ≤ 1.2× |%n"
                + "| step / by hand, ratio of the two medians | %.2f× | – |%n"
                + "| all rounds, step | %s ms | – |%n"
                + "| all rounds, by hand | %s ms | – |%n",
            machine, RUNS, s, RUNS, h, RUNS, r, s / h, runs(step), runs(hand));
    System.out.println(md);
    MarkdownSection.write(out, "minify-benchmark", md);
    System.out.println("written to " + out);
  }

  private static String runs(List<Double> millis) {
    return String.join(", ", millis.stream().map(m -> String.format("%.0f", m)).toList());
  }

  private static void esbuild(Path esbuild, Path dir, String target, String kind) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                esbuild.toString(),
                "--minify",
                "--charset=utf8",
                "--log-level=warning",
                "--allow-overwrite",
                "--outbase=.",
                "--outdir=.",
                "--target=" + target));
    try (var files = Files.list(dir.resolve(kind))) {
      files.forEach(f -> command.add(dir.relativize(f).toString()));
    }
    Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("esbuild failed");
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static Path copy(Path from, Path to) throws Exception {
    try (var walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return to;
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = MinifyBenchmark.class.getResourceAsStream("/frontend/vendor/" + name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static void write(Path file, String text) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
