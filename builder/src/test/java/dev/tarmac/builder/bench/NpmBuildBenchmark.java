package dev.tarmac.builder.bench;

import dev.tarmac.builder.pipeline.BuildRequest;
import dev.tarmac.builder.pipeline.BuildResult;
import dev.tarmac.builder.pipeline.Builder;
import dev.tarmac.builder.pipeline.StepTiming;
import dev.tarmac.builder.testing.NpmTheme;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.testing.MarkdownSection;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cold build of the npm-based theme ({@link NpmTheme}): {@code npm ci} on a committed lock file
 * (Dart Sass from the registry and the theme's own Sass package), the theme's own script compiling
 * its Sass from {@code node_modules}, then Tarmac's minify for the browserslist. Cold: a fresh data
 * directory (so a first clone) and an empty npm cache ({@code npm_config_cache} pointed at a new
 * temporary directory inside the build's sandbox); npm downloads from the registry. Prints the time
 * of each named step of the pipeline (and of each command within the commands step, from the build
 * log) and writes them into docs/benchmarks.md.
 */
public final class NpmBuildBenchmark {
  static final String TARMAC_YML =
      """
      app: theme
      build:
        commands:
          - "npm_config_cache=$(mktemp -d) npm ci --omit=optional --no-audit --no-fund"
          - "npm run build --silent"
        minify: ["public/js/site.js", "public/**/*.css"]
        exclude: [node_modules, packages, package.json, package-lock.json]
      environments:
        bench: { deploy_to: /srv/theme, hosts: [{ name: a, address: local }] }
      """;

  static final String PACKAGE_JSON =
      "{\"name\": \"theme\", \"version\": \"1.0.0\", \"private\": true,\n"
          + " \"scripts\": {\"build\": \"sass --no-source-map --load-path=node_modules"
          + " src/scss/theme.scss public/css/theme.css\"},\n"
          + " \"dependencies\": {\"mini-bootstrap\": \"file:packages/mini-bootstrap\","
          + " \"sass\": \"1.94.2\"},\n"
          + " \"browserslist\": "
          + NpmTheme.BROWSERSLIST
          + "}\n";

  private static final int RUNS = 3;

  private static final Pattern COMMAND =
      Pattern.compile("^\\[\\s*([0-9.]+)s\\] (command \\d+/\\d+: .*|step commands done.*)$");

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md").toAbsolutePath();
    String machine = BenchSetup.machine();
    Path root = Path.of("target/bench-npm").toAbsolutePath();
    TreeFiles.deleteRecursively(root);
    SampleRepo repo = new SampleRepo(root.resolve("repo"));
    NpmTheme.writeSources(repo);
    repo.write("package.json", PACKAGE_JSON);
    repo.write("package-lock.json", resource("/frontend/npm-theme/package-lock.json"));
    repo.write("tarmac.yml", TARMAC_YML);
    repo.commitAndTag("npm theme", "v3.0.0");

    List<Map<String, Double>> runs = new ArrayList<>();
    List<String> log = List.of();
    BuildResult cold = null;
    for (int run = 0; run < RUNS; run++) {
      Path dir = root.resolve("run" + run);
      FsArtifactStore store = BenchSetup.store(dir.resolve("store"));
      Builder builder = new Builder(store, dir.resolve("data"), Clock.systemUTC());
      Path logFile = dir.resolve("cold.log");
      long t0 = System.nanoTime();
      cold = builder.build(new BuildRequest("theme", repo.url(), "v3.0.0", Instant.now()), logFile);
      Map<String, Double> rows = new LinkedHashMap<>();
      rows.put("cold build (fetch → publish)", (System.nanoTime() - t0) / 1e9);
      log = Files.readAllLines(logFile);
      for (StepTiming s : cold.timings()) {
        rows.put("&nbsp;&nbsp;step " + s.step(), s.millis() / 1000.0);
        if (s.step().equals("commands")) {
          rows.putAll(commands(log));
        }
      }
      runs.add(rows);
      System.out.println("run " + (run + 1) + ": " + rows + "; build log: " + logFile);
    }

    StringBuilder md = new StringBuilder();
    md.append("npm theme (")
        .append("`npm ci` of a committed lock file: `sass` 1.94.2 and its dependencies from the")
        .append(" registry, optional ones left out, plus the theme's own Sass package; the theme's")
        .append(" `npm run build` compiles its Sass from `node_modules`; Tarmac minifies for")
        .append(
            " IE 11 / Safari 10). Each run cold: fresh data directory (a first clone), empty npm")
        .append(" cache. Artifact ")
        .append(cold.record().files())
        .append(" files, ")
        .append(cold.record().size())
        .append(" bytes. ")
        .append(isolation(log))
        .append(". Machine: ")
        .append(machine)
        .append(".\n\n");
    md.append("| measure | median of ")
        .append(RUNS)
        .append(" cold builds | each run |\n|---|---|---|\n");
    for (String row : runs.get(0).keySet()) {
      List<Double> values = runs.stream().map(r -> r.getOrDefault(row, 0.0)).toList();
      md.append(
          String.format(
              "| %s | %.2f s | %s |%n",
              row,
              values.stream().sorted().toList().get(values.size() / 2),
              String.join(", ", values.stream().map(v -> String.format("%.2f", v)).toList())));
    }
    System.out.println(md);
    MarkdownSection.write(out, "npm-build-benchmark", md.toString());
    System.out.println("written to " + out);
  }

  /** The log's "isolation: …" line, up to its details in brackets. */
  private static String isolation(List<String> log) {
    return log.stream()
        .filter(l -> l.contains("] isolation: "))
        .map(l -> l.substring(l.indexOf("isolation: ") + "isolation: ".length()))
        .map(l -> l.contains(" (") ? l.substring(0, l.indexOf(" (")) : l)
        .findFirst()
        .map(l -> "Isolation: " + l)
        .orElse("Isolation: not in the log");
  }

  /** Each command of the commands step, timed from one command's log line to the next. */
  private static Map<String, Double> commands(List<String> log) {
    Map<String, Double> rows = new LinkedHashMap<>();
    String command = null;
    double started = 0;
    for (String line : log) {
      Matcher m = COMMAND.matcher(line);
      if (!m.matches()) {
        continue;
      }
      double at = Double.parseDouble(m.group(1));
      if (command != null) {
        rows.put("&nbsp;&nbsp;&nbsp;&nbsp;`" + command + "`", at - started);
      }
      if (m.group(2).startsWith("step commands done")) {
        break;
      }
      command = m.group(2).substring(m.group(2).indexOf(": ") + 2).replace("|", "\\|");
      started = at;
    }
    return rows;
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = NpmBuildBenchmark.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
