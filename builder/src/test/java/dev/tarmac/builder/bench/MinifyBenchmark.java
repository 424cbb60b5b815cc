package dev.tarmac.builder.bench;

import dev.tarmac.builder.pipeline.steps.Esbuild;
import dev.tarmac.builder.pipeline.steps.MinifyAssetsStep;
import dev.tarmac.builder.pipeline.steps.MinifyTargets;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.TreeFiles;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The minify step against running the esbuild binary by hand on the same files with the same
 * targets (issue 11: at most 1.2×). 600 vendor-like ES5 files and 200 CSS files (the test fixtures,
 * varied), median of 5 runs each, each on a fresh copy. Prints the figures.
 */
public final class MinifyBenchmark {
  public static void main(String[] args) throws Exception {
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
    Path esbuild = Esbuild.binary(cache);
    List<Double> step = new ArrayList<>();
    List<Double> hand = new ArrayList<>();
    for (int run = 0; run < 5; run++) {
      Path a = copy(source, root.resolve("a" + run));
      long t = System.nanoTime();
      try (BuildLog log = new BuildLog(root.resolve("a" + run + ".log"))) {
        new MinifyAssetsStep(cache, a, List.of("**/*.js", "**/*.css"), List.of(), log).run();
      }
      step.add((System.nanoTime() - t) / 1e6);

      Path b = copy(source, root.resolve("b" + run));
      long u = System.nanoTime();
      esbuild(esbuild, b, "es5", "js");
      esbuild(esbuild, b, String.join(",", MinifyTargets.CONSERVATIVE_CSS), "css");
      hand.add((System.nanoTime() - u) / 1e6);
    }
    double s = median(step);
    double h = median(hand);
    System.out.printf(
        "minify 600 JS + 200 CSS files: step %.0f ms, esbuild by hand %.0f ms, ratio %.2f×%n",
        s, h, s / h);
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
