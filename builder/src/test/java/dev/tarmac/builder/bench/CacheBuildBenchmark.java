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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cold and a warm build of a dependency-heavy npm app (webpack, webpack-cli, Babel, ESLint: 328
 * packages in its committed lock file; webpack with babel-loader and Terser bundles 150 modules of
 * its own), with two {@code build.cache} recipes (issue 26 item 8; target: warm ≤ 0.3× cold):
 * docs/tarmac-yml.md's, {@code [~/.npm, node_modules]} with {@code npm install --prefer-offline} (a
 * no-op when {@code node_modules} matches the lock file), and for contrast {@code npm ci} with
 * {@code [~/.npm, node_modules/.cache]} ({@code npm ci} removes {@code node_modules} and unpacks
 * every package again). Each round starts from a fresh data directory: its first build (cold) finds
 * no saved cache and npm downloads every package from the registry; the second build, of another
 * tag with the same lock file (warm), gets the first build's cache restored. Writes its section of
 * docs/benchmarks.md.
 */
public final class CacheBuildBenchmark {
  /** One way to cache an npm build: its commands and cache paths. */
  record Recipe(String name, String install, String cache) {
    String tarmacYml() {
      return """
          app: heavy
          build:
            commands:
              - "%s"
              - "npm run build --silent"
            cache: %s
            cache_key: [package-lock.json]
            exclude: [node_modules, src, package.json, package-lock.json, webpack.config.js]
          environments:
            bench: { deploy_to: /srv/heavy, hosts: [{ name: a, address: local }] }
          """
          .formatted(install, cache);
    }
  }

  static final Recipe RECOMMENDED =
      new Recipe(
          "recommended",
          "npm install --prefer-offline --no-audit --no-fund",
          "[~/.npm, node_modules]");
  static final Recipe NPM_CI =
      new Recipe(
          "npm ci",
          "npm ci --prefer-offline --no-audit --no-fund",
          "[~/.npm, node_modules/.cache]");

  private static final int ROUNDS = 3;
  private static final int MODULES = 150;
  private static final Pattern COMMAND =
      Pattern.compile("^\\[\\s*([0-9.]+)s\\] command \\d+/\\d+: (.*)$");
  private static final Pattern STAMP = Pattern.compile("^\\[\\s*([0-9.]+)s\\] (.*)$");

  /** One build's figures: the whole build, each step, each command (seconds). */
  record Figures(double total, Map<String, Double> parts) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md").toAbsolutePath();
    String machine = BenchSetup.machine();
    Path root = Path.of("target/bench-cache").toAbsolutePath();
    TreeFiles.deleteRecursively(root);
    StringBuilder md = new StringBuilder();
    md.append("An npm app of 328 packages (webpack 5, webpack-cli, Babel with preset-env,")
        .append(
            " babel-loader, ESLint 8) from a committed lock file, whose `npm run build` bundles")
        .append(" ")
        .append(MODULES)
        .append(" modules of its own with webpack, babel-loader and Terser (webpack's")
        .append(" `cache: {type: 'filesystem'}` and babel-loader's `cacheDirectory`, both under")
        .append(" `node_modules/.cache`). Each round: a fresh data directory; build 1 (cold) finds")
        .append(" no saved cache and npm downloads everything; build 2, another tag with the same")
        .append(" lock file (warm), gets build 1's cache restored. Machine: ")
        .append(machine)
        .append(".\n\n| recipe | round | cold build | warm build | warm / cold | target |\n")
        .append("|---|---|---|---|---|---|\n");
    List<String> notes = new ArrayList<>();
    StringBuilder steps = new StringBuilder();
    for (Recipe recipe : List.of(RECOMMENDED, NPM_CI)) {
      SampleRepo repo = repo(root.resolve("repo-" + recipe.name().replace(' ', '-')), recipe);
      List<Figures[]> rounds = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        Path dir = root.resolve(recipe.name().replace(' ', '-') + "-round" + round);
        Builder builder =
            new Builder(
                BenchSetup.store(dir.resolve("store")), dir.resolve("data"), Clock.systemUTC());
        Figures[] pair = new Figures[2];
        int i = 0;
        for (String tag : List.of("v2.0.0", "v2.0.1")) {
          Path logFile = dir.resolve(tag + ".log");
          long t0 = System.nanoTime();
          BuildResult result =
              builder.build(new BuildRequest("heavy", repo.url(), tag, Instant.now()), logFile);
          double total = (System.nanoTime() - t0) / 1e9;
          List<String> log = Files.readAllLines(logFile);
          pair[i++] = new Figures(total, parts(result, log));
          for (String line : log) {
            if (line.contains("] cache: ") && round == 0) {
              notes.add(
                  recipe.name()
                      + ", "
                      + tag
                      + ": `"
                      + line.substring(line.indexOf("cache: "))
                      + "`");
            }
          }
          System.out.printf(
              "%s %s round %d: %.2f s; log %s%n", recipe.name(), tag, round, total, logFile);
        }
        rounds.add(pair);
        md.append(
            String.format(
                "| %s | %d | %.2f s | %.2f s | %.2f× | ≤ 0.30× |%n",
                "`" + recipe.install() + "`, `build.cache: " + recipe.cache() + "`",
                round + 1,
                pair[0].total(),
                pair[1].total(),
                pair[1].total() / pair[0].total()));
      }
      steps
          .append("\nWhere the time goes, `")
          .append(recipe.install())
          .append("` with `")
          .append(recipe.cache())
          .append("` (seconds; cold / warm of each round; a step of the build log, an indented")
          .append(" line one command of `commands`):\n\n| step |");
      for (int r = 1; r <= rounds.size(); r++) {
        steps.append(" round ").append(r).append(" cold | round ").append(r).append(" warm |");
      }
      steps.append("\n|---|").append("---|---|".repeat(rounds.size())).append('\n');
      for (String part : rounds.get(0)[1].parts().keySet()) {
        steps.append("| ").append(part).append(" |");
        for (Figures[] pair : rounds) {
          for (Figures f : pair) {
            Double s = f.parts().get(part);
            steps.append(s == null ? " – |" : String.format(" %.2f |", s));
          }
        }
        steps.append('\n');
      }
    }
    String end = BenchSetup.machine();
    md.append("\nAt the end: ")
        .append(end.substring(end.indexOf("load average")).replace(" at start", ""))
        .append(".\n")
        .append(steps)
        .append("\nThe cache's lines in round 1's build logs:\n\n");
    notes.forEach(n -> md.append("- ").append(n).append('\n'));
    System.out.println(md);
    MarkdownSection.write(out, "cache-build-benchmark", md.toString());
    System.out.println("written to " + out);
  }

  /** The repository: the lock file, webpack's config, the modules, two tags of the same lock. */
  private static SampleRepo repo(Path dir, Recipe recipe) throws Exception {
    SampleRepo repo = new SampleRepo(dir);
    for (String name : List.of("package.json", "package-lock.json", "webpack.config.js")) {
      repo.write(name, resource("/frontend/cache-bench/" + name));
    }
    for (int i = 0; i < MODULES; i++) {
      repo.write("src/m" + i + ".js", module(i));
    }
    repo.write(
        "src/index.js",
        "import { helper"
            + (MODULES - 1)
            + " } from './m"
            + (MODULES - 1)
            + ".js';\ndocument.body.dataset.total = String(helper"
            + (MODULES - 1)
            + "(1));\n");
    repo.write("tarmac.yml", recipe.tarmacYml());
    repo.commitAndTag("heavy app", "v2.0.0");
    repo.write("public/index.html", "<p>two</p>\n");
    repo.commitAndTag("heavy app, a page changed", "v2.0.1");
    return repo;
  }

  /** Module {@code i}: modern JavaScript (classes, private fields, async, spread) for Babel. */
  private static String module(int i) {
    String imports =
        i == 0 ? "" : "import { helper" + (i - 1) + " } from './m" + (i - 1) + ".js';\n";
    String call = i == 0 ? "" : "  helper" + (i - 1) + "(x);\n";
    return imports
        + """

        export class WidgetN {
          #count = 0;
          constructor(options = {}) {
            this.options = { size: N, ...options };
            this.items = [];
          }
          add(...values) {
            for (const v of values) this.items.push(v?.value ?? v);
            this.#count += values.length;
            return this;
          }
          get total() {
            return this.items.reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0) + this.#count;
          }
          async load(url) {
            const response = await fetch(`${url}/widget/N?size=${this.options.size}`);
            const { items = [], ...rest } = await response.json();
            this.add(...items);
            return { ...rest, total: this.total };
          }
          static from(list) {
            return list.map((x, n) => new WidgetN({ n, x })).filter(Boolean);
          }
        }

        export function helperN(x) {
          const w = new WidgetN({ x });
        CALL  return w.add(x, x * 2, { value: x + N }).total;
        }
        """
            .replace("N", Integer.toString(i))
            .replace("CALL", call);
  }

  /** Each step's time, with each command's (from the build log's times) after {@code commands}. */
  private static Map<String, Double> parts(BuildResult result, List<String> log) {
    Map<String, Double> commands = new LinkedHashMap<>();
    String current = null;
    double started = 0;
    for (String line : log) {
      Matcher stamp = STAMP.matcher(line);
      if (!stamp.matches()) {
        continue;
      }
      double at = Double.parseDouble(stamp.group(1));
      Matcher command = COMMAND.matcher(line);
      if (current != null && (command.matches() || stamp.group(2).startsWith("step "))) {
        commands.put("&nbsp;&nbsp;`" + current + "`", at - started);
        current = null;
      }
      if (command.matches()) {
        current = command.group(2);
        started = at;
      }
    }
    Map<String, Double> parts = new LinkedHashMap<>();
    for (StepTiming s : result.timings()) {
      parts.merge(s.step(), s.millis() / 1000.0, Double::sum);
      if (s.step().equals("commands")) {
        parts.putAll(commands);
      }
    }
    return parts;
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = CacheBuildBenchmark.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
