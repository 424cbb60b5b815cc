package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.Globs;
import dev.tarmac.builder.workspace.TreeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Minifies, in place, every JS and CSS file that the {@code build.minify} globs match, with esbuild
 * ({@code --minify}, no bundling), as many files per process as 256 KiB of arguments hold, never
 * raising the syntax level (see {@link MinifyTargets}): with targets said by the project, a file
 * esbuild cannot lower to them is an error naming file, line and construct; with none, JS is
 * minified at {@code es5}, and only the files esbuild refuses to lower to ES5 (they already use
 * newer syntax) at {@code es2015}, then as they are. A file whose {@code sourceMappingURL} points
 * to a map in the tree gets a new map chained to the original sources, and keeps its reference. A
 * glob matching nothing is a warning.
 */
public final class MinifyAssetsStep implements BuildStep<MinifyAssetsStep.Minified> {
  public record Minified(int files, long bytesBefore, long bytesAfter, MinifyTargets targets) {}

  /**
   * Bytes of file names per esbuild process (Linux allows 2 MiB of arguments and environment):
   * thousands of files per process, so a tree's files usually go to one process, which spreads them
   * over the cores itself, instead of one process per 400 files (docs/benchmarks.md).
   */
  static final int ARGUMENT_BYTES = 256 * 1024;

  /** Of esbuild's output, what is kept (the rest is counted). */
  private static final int OUTPUT_BYTES = 1024 * 1024;

  private static final List<String> JS_TIERS = List.of("es5", "es2015", "esnext");
  private static final Pattern MAP_URL =
      Pattern.compile("[#@] sourceMappingURL=([^\\s*'\"]+)\\s*(?:\\*/)?\\s*$");
  private static final Pattern ESBUILD_ERROR =
      Pattern.compile(
          "^✘ \\[ERROR\\] (.+?)\\n(?:\\n\\s+(\\S+?):(\\d+):(\\d+):)?", Pattern.MULTILINE);

  private final BuildSandbox.Session session;
  private final java.time.Duration timeout;
  private long deadline;
  private final Path tree;
  private final List<String> globs;
  private final List<String> configuredTargets;
  private final BuildLog log;

  /**
   * esbuild runs inside {@code session} as the build's uid; the whole step ends at {@code timeout}
   * ({@code build.timeout}).
   */
  public MinifyAssetsStep(
      BuildSandbox.Session session,
      List<String> globs,
      List<String> configuredTargets,
      java.time.Duration timeout,
      BuildLog log) {
    this.session = session;
    this.timeout = timeout;
    this.tree = session.tree();
    this.globs = globs;
    this.configuredTargets = configuredTargets;
    this.log = log;
  }

  /** An esbuild complaint: the file (relative to the tree), its line, and the message. */
  record Problem(String file, String line, String message) {
    @Override
    public String toString() {
      return file == null ? message : file + ":" + line + ": " + message;
    }
  }

  private record Run(int exitCode, String output, List<Problem> errors) {}

  @Override
  public Minified run() throws Exception {
    deadline = System.nanoTime() + timeout.toNanos();
    MinifyTargets targets = MinifyTargets.fromProject(tree, configuredTargets, log);
    if (globs.isEmpty()) {
      return new Minified(0, 0, 0, targets);
    }
    List<Path> files = new ArrayList<>();
    List<Path> all = TreeFiles.matching(tree, new Globs(List.of("**")));
    for (String glob : globs) {
      Globs one = new Globs(List.of(glob));
      if (all.stream().noneMatch(p -> one.matches(TreeFiles.relative(tree, p)))) {
        log.line("minify: WARNING: build.minify glob '" + glob + "' matches no file");
      }
    }
    Globs matcher = new Globs(globs);
    for (Path p : all) {
      String name = p.getFileName().toString();
      if (matcher.matches(TreeFiles.relative(tree, p))
          && (name.endsWith(".js") || name.endsWith(".mjs") || name.endsWith(".css"))) {
        files.add(p);
      }
    }
    if (files.isEmpty()) {
      return new Minified(0, 0, 0, targets);
    }
    log.line("minify: " + targets.describe());
    long before = 0;
    Map<Path, Path> maps = new LinkedHashMap<>();
    for (Path p : files) {
      before += Files.size(p);
      Path map = referencedMap(p);
      if (map != null) {
        maps.put(p, map);
      }
    }
    List<Path> js = files.stream().filter(p -> !p.toString().endsWith(".css")).toList();
    List<Path> css = files.stream().filter(p -> p.toString().endsWith(".css")).toList();
    for (boolean sourcemap : List.of(false, true)) {
      List<Path> jsGroup = js.stream().filter(p -> maps.containsKey(p) == sourcemap).toList();
      List<Path> cssGroup = css.stream().filter(p -> maps.containsKey(p) == sourcemap).toList();
      minifyAt(cssGroup, targets.css(), sourcemap, targets);
      if (targets.explicit()) {
        minifyAt(jsGroup, targets.js(), sourcemap, targets);
      } else {
        minifyKeepingSyntax(jsGroup, sourcemap);
      }
    }
    for (Map.Entry<Path, Path> e : maps.entrySet()) {
      Path fresh = e.getKey().resolveSibling(e.getKey().getFileName() + ".map");
      if (!e.getValue().equals(fresh) && Files.deleteIfExists(e.getValue())) {
        log.line(
            "minify: "
                + TreeFiles.relative(tree, e.getValue())
                + " replaced by "
                + TreeFiles.relative(tree, fresh)
                + " (maps the minified file)");
      }
    }
    if (!maps.isEmpty()) {
      log.line("minify: " + maps.size() + " files keep their source map, chained through esbuild");
    }
    long after = 0;
    for (Path p : files) {
      after += Files.size(p);
    }
    log.line("minify: " + files.size() + " files, " + before + " -> " + after + " bytes");
    return new Minified(files.size(), before, after, targets);
  }

  /** With targets the project said: a file that cannot be minified for them fails the build. */
  private void minifyAt(List<Path> files, List<String> target, boolean sourcemap, MinifyTargets t)
      throws Exception {
    for (List<Path> batch : batches(files, ARGUMENT_BYTES)) {
      Run run = esbuild(batch, target, sourcemap);
      if (run.exitCode() != 0) {
        throw new BuildException(
            "minify: esbuild cannot minify for "
                + String.join(",", target)
                + " (from "
                + t.source()
                + "): "
                + describe(run)
                + "; make the file match those browsers, or change "
                + t.source());
      }
      logOutput(run);
    }
  }

  /** No targets said: JS at ES5; files already newer go up a level, only as far as they need. */
  private void minifyKeepingSyntax(List<Path> files, boolean sourcemap) throws Exception {
    List<Path> pending = files;
    for (int tier = 0; tier < JS_TIERS.size() && !pending.isEmpty(); tier++) {
      String target = JS_TIERS.get(tier);
      List<Path> newer = new ArrayList<>();
      for (List<Path> batch : batches(pending, ARGUMENT_BYTES)) {
        Run run = esbuild(batch, target.equals("esnext") ? List.of() : List.of(target), sourcemap);
        if (run.exitCode() == 0) {
          logOutput(run);
          continue;
        }
        Set<String> failed = new LinkedHashSet<>();
        run.errors().forEach(e -> failed.add(e.file()));
        if (failed.contains(null) || target.equals("esnext")) {
          throw new BuildException("minify: esbuild failed: " + describe(run));
        }
        List<Path> rest =
            batch.stream().filter(p -> !failed.contains(TreeFiles.relative(tree, p))).toList();
        batch.stream()
            .filter(p -> failed.contains(TreeFiles.relative(tree, p)))
            .forEach(newer::add);
        if (!rest.isEmpty()) {
          Run again = esbuild(rest, List.of(target), sourcemap);
          if (again.exitCode() != 0) {
            throw new BuildException("minify: esbuild failed: " + describe(again));
          }
          logOutput(again);
        }
        log.line(
            "minify: "
                + failed.size()
                + " files already use syntax newer than "
                + target
                + " (first: "
                + run.errors().get(0)
                + "); they are minified at "
                + JS_TIERS.get(tier + 1));
      }
      pending = newer;
    }
  }

  /**
   * {@code files} in order, cut so that each part's names (relative to the tree) fit in {@code
   * limit} bytes.
   */
  List<List<Path>> batches(List<Path> files, int limit) {
    List<List<Path>> batches = new ArrayList<>();
    List<Path> batch = new ArrayList<>();
    int bytes = 0;
    for (Path p : files) {
      int length = TreeFiles.relative(tree, p).getBytes(StandardCharsets.UTF_8).length + 1;
      if (!batch.isEmpty() && bytes + length > limit) {
        batches.add(batch);
        batch = new ArrayList<>();
        bytes = 0;
      }
      batch.add(p);
      bytes += length;
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
    return batches;
  }

  private Run esbuild(List<Path> files, List<String> target, boolean sourcemap)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                session.tools().esbuild().toString(),
                "--minify",
                "--charset=utf8",
                "--log-level=warning",
                "--color=false",
                "--allow-overwrite",
                "--outbase=.",
                "--outdir=."));
    if (!target.isEmpty()) {
      command.add("--target=" + String.join(",", target));
    }
    if (sourcemap) {
      command.add("--sourcemap");
    }
    for (Path p : files) {
      command.add(TreeFiles.relative(tree, p));
    }
    ProcessBuilder builder = session.exec(command, Map.of());
    builder.redirectErrorStream(true);
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = process.getInputStream()) {
                byte[] kept = in.readNBytes(OUTPUT_BYTES);
                long more = in.transferTo(java.io.OutputStream.nullOutputStream());
                return new String(kept, StandardCharsets.UTF_8)
                    + (more > 0 ? "\n(" + more + " more bytes of output not kept)" : "");
              } catch (IOException e) {
                return "(output unreadable: " + e.getMessage() + ")";
              }
            });
    long left = Math.max(0, deadline - System.nanoTime());
    boolean finished;
    try {
      finished = process.waitFor(left, TimeUnit.NANOSECONDS);
    } finally {
      session.endProcesses();
    }
    if (!finished) {
      process.destroyForcibly();
      throw new BuildException(
          "minify: esbuild did not finish within build.timeout ("
              + timeout.toSeconds()
              + "s); raise build.timeout in tarmac.yml");
    }
    String text = output.join();
    List<Problem> errors = new ArrayList<>();
    Matcher m = ESBUILD_ERROR.matcher(text);
    while (m.find()) {
      errors.add(new Problem(m.group(2), m.group(3), m.group(1)));
    }
    return new Run(process.exitValue(), text, errors);
  }

  private static String describe(Run run) {
    if (run.errors().isEmpty()) {
      return "exit code " + run.exitCode() + ":\n" + run.output().strip();
    }
    List<String> lines = run.errors().stream().limit(10).map(Problem::toString).toList();
    return String.join("\n  ", lines)
        + (run.errors().size() > 10 ? "\n  (and " + (run.errors().size() - 10) + " more)" : "");
  }

  private void logOutput(Run run) {
    for (String line : run.output().strip().split("\n")) {
      if (!line.isBlank()) {
        log.line("esbuild: " + line);
      }
    }
  }

  /** The map a file's trailing {@code sourceMappingURL} comment names, if it is in the tree. */
  private Path referencedMap(Path file) throws IOException {
    long size = Files.size(file);
    String tail;
    try (var channel = Files.newByteChannel(file)) {
      int length = (int) Math.min(size, 1024);
      channel.position(size - length);
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(length);
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // read the tail
      }
      tail = new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
    }
    Matcher m = MAP_URL.matcher(tail.strip());
    if (!m.find() || m.group(1).contains(":")) {
      return null;
    }
    Path map = file.getParent().resolve(m.group(1)).normalize();
    // the map is deleted once replaced: only a file of the tree itself, whatever links lead to it
    return map.startsWith(tree) && Files.isRegularFile(map) && TreeFiles.reallyInside(tree, map)
        ? map
        : null;
  }
}
