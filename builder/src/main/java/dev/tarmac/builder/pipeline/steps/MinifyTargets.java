package dev.tarmac.builder.pipeline.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tarmac.builder.workspace.BuildLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The esbuild targets of the minify step, so that minifying never changes which browsers work.
 * From, in order: {@code build.minify_target}; the project's browserslist ({@code .browserslistrc},
 * else {@code "browserslist"} in {@code package.json}), its explicit entries ({@code IE 11}, {@code
 * Safari >= 10}) mapped to esbuild's engines; else none said ({@link #fromProject} returns {@code
 * explicit() == false}), and the step keeps each JS file at the syntax level it has (ES5 stays ES5)
 * and gives CSS {@link #CONSERVATIVE_CSS}.
 *
 * @param js esbuild {@code --target} for JS files
 * @param css esbuild {@code --target} for CSS files (es* levels mean nothing to CSS in esbuild)
 * @param explicit whether the project said it (then a file newer than that is an error)
 * @param source where they came from, for the build log
 */
public record MinifyTargets(List<String> js, List<String> css, boolean explicit, String source) {

  /**
   * Browsers old enough that esbuild keeps {@code rgba()}, {@code top/right/bottom/left}, and
   * writes no {@code #rrggbbaa} or {@code inset}.
   */
  public static final List<String> CONSERVATIVE_CSS =
      List.of("chrome49", "edge12", "firefox45", "ie11", "ios9", "opera36", "safari9");

  private static final Map<String, String> ENGINES = new LinkedHashMap<>();

  static {
    ENGINES.put("ie", "ie");
    ENGINES.put("explorer", "ie");
    ENGINES.put("edge", "edge");
    ENGINES.put("chrome", "chrome");
    ENGINES.put("and_chr", "chrome");
    ENGINES.put("chromeandroid", "chrome");
    ENGINES.put("firefox", "firefox");
    ENGINES.put("ff", "firefox");
    ENGINES.put("and_ff", "firefox");
    ENGINES.put("firefoxandroid", "firefox");
    ENGINES.put("safari", "safari");
    ENGINES.put("ios", "ios");
    ENGINES.put("ios_saf", "ios");
    ENGINES.put("opera", "opera");
    ENGINES.put("node", "node");
  }

  private static final Pattern QUERY =
      Pattern.compile("([a-z_]+)\\s*(>=|>|)\\s*([0-9]+(?:\\.[0-9]+){0,2})(?:\\s*-\\s*[0-9.]+)?");

  /** The targets for {@code tree}; {@code configured} is {@code build.minify_target}. */
  public static MinifyTargets fromProject(Path tree, List<String> configured, BuildLog log) {
    if (!configured.isEmpty()) {
      return of(configured, "build.minify_target");
    }
    List<String> queries = new ArrayList<>();
    String source = null;
    try {
      Path rc = tree.resolve(".browserslistrc");
      Path pkg = tree.resolve("package.json");
      if (Files.isRegularFile(rc, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        queries = browserslistrc(Files.readString(rc));
        source = ".browserslistrc";
      } else if (Files.isRegularFile(pkg, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        JsonNode list = new ObjectMapper().readTree(pkg.toFile()).path("browserslist");
        if (list.isObject()) {
          list = list.has("production") ? list.get("production") : list.elements().next();
        }
        if (list.isTextual()) {
          queries = splitQueries(list.asText());
          source = "package.json browserslist";
        } else if (list.isArray()) {
          for (JsonNode q : list) {
            queries.addAll(splitQueries(q.asText()));
          }
          source = "package.json browserslist";
        }
      }
    } catch (IOException | RuntimeException e) {
      log.line("minify: cannot read the browserslist (" + e.getMessage() + "); using the default");
      source = null;
    }
    if (source == null) {
      return none();
    }
    Map<String, String> lowest = new LinkedHashMap<>();
    List<String> ignored = new ArrayList<>();
    for (String query : queries) {
      String q = query.trim().toLowerCase(Locale.ROOT);
      if (q.startsWith("not ")) {
        continue;
      }
      Matcher m = QUERY.matcher(q);
      String engine = m.matches() ? ENGINES.get(m.group(1)) : null;
      if (engine == null) {
        ignored.add(query.trim());
        continue;
      }
      String version = m.group(3);
      lowest.merge(engine, version, (a, b) -> compare(a, b) <= 0 ? a : b);
    }
    if (!ignored.isEmpty()) {
      log.line(
          "minify: "
              + source
              + ": "
              + String.join(", ", ignored)
              + " cannot be mapped to esbuild targets without caniuse data; ignored");
    }
    if (lowest.isEmpty()) {
      log.line("minify: " + source + " names no browser version; keeping each file's syntax");
      return none();
    }
    List<String> targets = new ArrayList<>();
    lowest.forEach((engine, version) -> targets.add(engine + version));
    return of(targets, source);
  }

  static MinifyTargets none() {
    return new MinifyTargets(List.of(), CONSERVATIVE_CSS, false, "default");
  }

  static MinifyTargets of(List<String> targets, String source) {
    List<String> browsers = targets.stream().filter(t -> !t.startsWith("es")).toList();
    return new MinifyTargets(
        List.copyOf(targets), browsers.isEmpty() ? CONSERVATIVE_CSS : browsers, true, source);
  }

  static List<String> browserslistrc(String text) {
    List<String> out = new ArrayList<>();
    String section = null;
    for (String raw : text.split("\n")) {
      String line = raw.replaceAll("#.*", "").trim();
      if (line.startsWith("[") && line.endsWith("]")) {
        section = line.substring(1, line.length() - 1).trim();
        continue;
      }
      if (!line.isEmpty()
          && (section == null || section.equals("production") || section.equals("defaults"))) {
        out.addAll(splitQueries(line));
      }
    }
    return out;
  }

  private static List<String> splitQueries(String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split(",|\\bor\\b")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  private static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int p = i < x.length ? Integer.parseInt(x[i]) : 0;
      int q = i < y.length ? Integer.parseInt(y[i]) : 0;
      if (p != q) {
        return Integer.compare(p, q);
      }
    }
    return 0;
  }

  public String describe() {
    return explicit
        ? "targets " + String.join(",", js) + " (from " + source + ")"
        : "no browser targets said: JS keeps its syntax level (ES5 stays ES5), CSS for "
            + String.join(",", css);
  }
}
