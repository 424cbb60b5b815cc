package dev.tarmac.builder.bench;

import dev.tarmac.builder.pipeline.BuildRequest;
import dev.tarmac.builder.pipeline.BuildResult;
import dev.tarmac.builder.pipeline.Builder;
import dev.tarmac.builder.pipeline.StepTiming;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.testing.MarkdownSection;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A cold and a warm build of a dependency-heavy npm app (webpack, webpack-cli, Babel, ESLint: 328
 * packages in its committed lock file), with {@code build.cache: [~/.npm]} (issue 26 item 8;
 * target: warm ≤ 0.3× cold). Each round starts from a fresh data directory: its first build (cold)
 * finds no saved cache and npm downloads every package from the registry; the second build, of
 * another tag with the same lock file (warm), gets the first build's {@code ~/.npm} restored.
 * Writes its section of docs/benchmarks.md.
 */
public final class CacheBuildBenchmark {
  static final String TARMAC_YML =
      """
      app: heavy
      build:
        commands:
          - "npm ci --no-audit --no-fund --prefer-offline"
          - "node -e \\"require('webpack'); require('@babel/core'); require('eslint')\\""
        cache: [~/.npm]
        cache_key: [package-lock.json]
        exclude: [node_modules, package.json, package-lock.json]
      environments:
        bench: { deploy_to: /srv/heavy, hosts: [{ name: a, address: local }] }
      """;

  private static final int ROUNDS = 2;

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md").toAbsolutePath();
    String machine = BenchSetup.machine();
    Path root = Path.of("target/bench-cache").toAbsolutePath();
    TreeFiles.deleteRecursively(root);
    SampleRepo repo = new SampleRepo(root.resolve("repo"));
    repo.write("package.json", resource("/frontend/cache-bench/package.json"));
    repo.write("package-lock.json", resource("/frontend/cache-bench/package-lock.json"));
    repo.write("tarmac.yml", TARMAC_YML);
    repo.commitAndTag("heavy app", "v2.0.0");
    repo.write("public/index.html", "<p>two</p>\n");
    repo.commitAndTag("heavy app, a page changed", "v2.0.1");

    List<double[]> rounds = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      Path dir = root.resolve("round" + round);
      Builder builder =
          new Builder(
              BenchSetup.store(dir.resolve("store")), dir.resolve("data"), Clock.systemUTC());
      double[] times = new double[5];
      int i = 0;
      for (String tag : List.of("v2.0.0", "v2.0.1")) {
        Path logFile = dir.resolve(tag + ".log");
        long t0 = System.nanoTime();
        BuildResult result =
            builder.build(new BuildRequest("heavy", repo.url(), tag, Instant.now()), logFile);
        times[i++] = (System.nanoTime() - t0) / 1e9;
        times[i++] =
            result.timings().stream()
                    .filter(s -> s.step().equals("commands"))
                    .mapToLong(StepTiming::millis)
                    .sum()
                / 1000.0;
        if (tag.equals("v2.0.1")) {
          times[4] =
              result.timings().stream()
                      .filter(s -> s.step().endsWith(" cache"))
                      .mapToLong(StepTiming::millis)
                      .sum()
                  / 1000.0;
        }
        for (String line : Files.readAllLines(logFile)) {
          if (line.contains("] cache: ") && round == 0) {
            notes.add(tag + ": `" + line.substring(line.indexOf("cache: ")) + "`");
          }
        }
        System.out.println(tag + " round " + round + ": " + times[i - 2] + " s; log " + logFile);
      }
      rounds.add(times);
    }
    String end = BenchSetup.machine();
    StringBuilder md = new StringBuilder();
    md.append("`npm ci --prefer-offline` of 328 packages (webpack 5, webpack-cli, Babel with")
        .append(" preset-env, babel-loader, ESLint 8) from a committed lock file, with")
        .append(" `build.cache: [~/.npm]`. Each round: a fresh data directory; build 1 (cold)")
        .append(" finds no saved cache and npm downloads everything; build 2, another tag with the")
        .append(" same lock file (warm), gets build 1's `~/.npm` restored. Machine: ")
        .append(machine)
        .append("; at the end: ")
        .append(end.substring(end.indexOf("load average")).replace(" at start", ""))
        .append(".\n\n| round | cold build | cold `commands` | warm build | warm `commands` |")
        .append(" warm: restore + save cache | warm / cold (build) | target |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    for (int r = 0; r < rounds.size(); r++) {
      double[] t = rounds.get(r);
      md.append(
          String.format(
              "| %d | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f× | ≤ 0.30× |%n",
              r + 1, t[0], t[1], t[2], t[3], t[4], t[2] / t[0]));
    }
    md.append("\nThe cache's lines in round 1's build logs:\n\n");
    notes.forEach(n -> md.append("- ").append(n).append('\n'));
    System.out.println(md);
    MarkdownSection.write(out, "cache-build-benchmark", md.toString());
    System.out.println("written to " + out);
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = CacheBuildBenchmark.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
