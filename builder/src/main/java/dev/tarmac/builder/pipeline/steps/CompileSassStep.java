package dev.tarmac.builder.pipeline.steps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sass_lang.embedded_protocol.LogEventType;
import com.sass_lang.embedded_protocol.OutboundMessage.CompileResponse.CompileFailure;
import com.sass_lang.embedded_protocol.OutboundMessage.LogEventOrBuilder;
import com.sass_lang.embedded_protocol.OutputStyle;
import com.sass_lang.embedded_protocol.SourceSpan;
import de.larsgrefer.sass.embedded.CompileSuccess;
import de.larsgrefer.sass.embedded.SassCompilationFailedException;
import de.larsgrefer.sass.embedded.SassCompiler;
import de.larsgrefer.sass.embedded.connection.ProcessConnection;
import dev.tarmac.builder.sandbox.BuildSandbox;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.deploy.config.TarmacConfig.SassEntry;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles each {@code build.sass} entry with Dart Sass (embedded, bundled: no download), run
 * inside the build's sandbox as the build's own uid (docs/architecture.md, "Build isolation"): it
 * reads only what the build could, and is ended at {@code build.timeout}. It runs after the app's
 * own commands, so load paths such as {@code node_modules} exist; the sources stay until {@link
 * ExcludePathsStep}. A Sass error fails the build with file:line:column; warnings go to the build
 * log with file:line (the same warning repeated is written once, then counted). Output with
 * non-ASCII text starts with {@code @charset "UTF-8";}. With {@code source_map: true} the map is
 * written beside the CSS ({@code main.css.map}, sources relative and included, as the {@code .scss}
 * files do not ship) and referenced from it.
 */
public final class CompileSassStep implements BuildStep<CompileSassStep.Compiled> {
  public record Compiled(int stylesheets, int warnings) {}

  static final String CHARSET = "@charset \"UTF-8\";";

  /** Warnings of one kind written with their location; more are counted (as Dart Sass does). */
  private static final int SHOWN_PER_KIND = 5;

  private static final java.util.regex.Pattern TRACE =
      java.util.regex.Pattern.compile("(\\S+) (\\d+):(\\d+)(?:\\s.*)?");

  private final BuildSandbox.Session session;
  private final Path tree;
  private final List<SassEntry> entries;
  private final java.time.Duration timeout;
  private final BuildLog log;

  public CompileSassStep(
      BuildSandbox.Session session,
      List<SassEntry> entries,
      java.time.Duration timeout,
      BuildLog log) {
    this.session = session;
    this.tree = session.tree();
    this.entries = entries;
    this.timeout = timeout;
    this.log = log;
  }

  @Override
  public Compiled run() throws Exception {
    if (entries.isEmpty()) {
      return new Compiled(0, 0);
    }
    checkEntries();
    Map<String, Integer> warnings = new LinkedHashMap<>();
    Process process = session.exec(session.tools().sass(), Map.of()).start();
    java.util.concurrent.atomic.AtomicBoolean timedOut =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread build = Thread.currentThread();
    long deadline = System.nanoTime() + timeout.toNanos();
    // Dart Sass is read without interruption: this ends it at build.timeout or when the build is
    // cancelled (its thread interrupted)
    Thread watchdog =
        new Thread(
            () -> {
              try {
                while (!process.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                  boolean late = System.nanoTime() > deadline;
                  if (late || build.isInterrupted()) {
                    timedOut.set(late);
                    process.destroyForcibly();
                    session.endProcesses();
                    return;
                  }
                }
              } catch (InterruptedException e) {
                // the step ended first
              }
            },
            "sass-timeout");
    watchdog.setDaemon(true);
    watchdog.start();
    int index = 0;
    try (SassCompiler compiler = new SassCompiler(new ProcessConnection(process))) {
      compiler.setOutputStyle(OutputStyle.COMPRESSED);
      compiler.setEmitCharset(false);
      compiler.setAlertColor(false);
      compiler.setVerbose(true); // every warning comes here; warn() limits and counts them
      compiler.setLoggingHandler(event -> warn(event, warnings));
      for (SassEntry entry : entries) {
        index++;
        Path from = tree.resolve(entry.from());
        Path to = tree.resolve(entry.to());
        List<File> loadPaths = new ArrayList<>();
        for (String dir : entry.loadPaths()) {
          loadPaths.add(tree.resolve(dir).toFile());
        }
        compiler.setLoadPaths(loadPaths);
        compiler.setGenerateSourceMaps(entry.sourceMap());
        compiler.setSourceMapIncludeSources(entry.sourceMap());
        CompileSuccess result;
        try {
          result = compiler.compileFile(from.toFile());
        } catch (SassCompilationFailedException e) {
          throw new BuildException(
              "Sass error in "
                  + where(e.getCompileFailure())
                  + (entry.loadPaths().isEmpty()
                      ? ""
                      : " (load paths: " + String.join(", ", entry.loadPaths()) + ")"));
        }
        requireInsideTree(entry, result.getLoadedUrls());
        String css = result.getCss();
        if (!css.chars().allMatch(c -> c < 128) && !css.startsWith("@charset")) {
          css = CHARSET + css;
        }
        css = css.endsWith("\n") ? css : css + "\n";
        String what = "build.sass[" + (index - 1) + "].to";
        if (entry.sourceMap()) {
          Path map = to.resolveSibling(to.getFileName() + ".map");
          TreeFiles.writeInTree(
              tree, map, relativeSourceMap(result.getSourceMap(), map, to), what, session::own);
          css += "/*# sourceMappingURL=" + map.getFileName() + " */\n";
        }
        TreeFiles.writeInTree(tree, to, css, what, session::own);
        log.line(
            "sass: "
                + entry.from()
                + " -> "
                + entry.to()
                + " ("
                + css.length()
                + " bytes"
                + (entry.sourceMap() ? ", with " + to.getFileName() + ".map" : "")
                + ")");
      }
    } catch (IOException e) {
      if (timedOut.get()) {
        throw new BuildException(
            "compile sass: build.sass["
                + Math.max(0, index - 1)
                + "] ("
                + entries.get(Math.max(0, index - 1)).from()
                + ") did not finish within build.timeout ("
                + timeout.toSeconds()
                + "s); a stylesheet may import a file that never ends (a FIFO) or loop; raise"
                + " build.timeout in tarmac.yml or fix the stylesheet");
      }
      throw e;
    } finally {
      watchdog.interrupt();
      process.destroyForcibly();
      session.endProcesses();
    }
    int total = 0;
    for (Map.Entry<String, Integer> w : warnings.entrySet()) {
      total += w.getValue();
      if (w.getValue() > SHOWN_PER_KIND) {
        log.line(
            "sass: "
                + (w.getValue() - SHOWN_PER_KIND)
                + " more "
                + w.getKey()
                + " not shown ("
                + w.getValue()
                + " in all)");
      }
    }
    if (total > 0) {
      log.line("sass: " + total + " warnings");
    }
    return new Compiled(entries.size(), total);
  }

  /**
   * Dart Sass runs in the build's sandbox as the build's uid (docs/architecture.md, "Build
   * isolation"), and still: every file it read for this entry — the entry itself, imports, {@code
   * load-css} — must be inside the tree once symlinks are followed, or the build fails naming it
   * and no CSS is written. Else an absolute import, or a source the build commands made a symlink
   * to anywhere, would compile a stylesheet from elsewhere on the machine into the artifact.
   */
  private void requireInsideTree(SassEntry entry, List<String> loadedUrls) throws IOException {
    Path root = tree.toRealPath();
    for (String url : loadedUrls) {
      if (!url.startsWith("file:")) {
        continue; // built-in modules (sass:math) read no file
      }
      Path file = Path.of(URI.create(url));
      Path real = Files.exists(file) ? file.toRealPath() : file.toAbsolutePath().normalize();
      if (!real.startsWith(root)) {
        throw new BuildException(
            "Sass in "
                + entry.from()
                + " read "
                + (real.equals(file) ? file : file + " (a symlink to " + real + ")")
                + ", outside the tree: only stylesheets of the repository (and what build.commands"
                + " installed in it) are compiled; copy the file into the tree instead");
      }
    }
  }

  /** Every entry's {@code from} and load paths exist now, or the build says which and why. */
  private void checkEntries() {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      SassEntry entry = entries.get(i);
      if (!Files.isRegularFile(tree.resolve(entry.from()))) {
        problems.add(
            "build.sass["
                + i
                + "].from: "
                + entry.from()
                + " does not exist (after build.commands ran); fix the `from` path in tarmac.yml");
      }
      for (String dir : entry.loadPaths()) {
        if (!Files.isDirectory(tree.resolve(dir))) {
          problems.add(
              "build.sass["
                  + i
                  + "].load_paths: "
                  + dir
                  + " is not a directory of the tree after build.commands ran"
                  + (dir.startsWith("node_modules")
                      ? "; install it first (build.commands: [\"npm ci\"])"
                      : "; fix the path in tarmac.yml (or build.sass_load_paths)"));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new BuildException(String.join("\n", problems));
    }
  }

  private void warn(LogEventOrBuilder event, Map<String, Integer> seen) {
    if (event.getType() == LogEventType.DEBUG) {
      log.line("sass: @debug " + location(event) + ": " + event.getMessage());
      return;
    }
    String kind =
        event.getType() == LogEventType.DEPRECATION_WARNING
            ? "DEPRECATION WARNING"
                + (event.hasDeprecationType() ? " [" + event.getDeprecationType() + "]" : "")
            : "WARNING";
    int ofKind = seen.merge(kind, 1, Integer::sum);
    if (ofKind <= SHOWN_PER_KIND) {
      String first = event.getMessage().strip().lines().findFirst().orElse("");
      log.line("sass: " + kind + " at " + location(event) + ": " + first);
    }
  }

  private String location(LogEventOrBuilder event) {
    if (event.hasSpan() && !event.getSpan().getUrl().isEmpty()) {
      return at(event.getSpan());
    }
    return traceLocation(event.getStackTrace(), tree, workingDirectory());
  }

  /**
   * Where a warning's stack trace says it was: its first frame as {@code file:line:column}, the
   * file relative to the tree when it is in it. Dart Sass names the file by an absolute path, a
   * {@code file:} URL, or a path relative to its working directory when that is shorter ({@code
   * ../../junit-1/tree/assets/x.scss 7:1 root stylesheet}); a relative one is read against {@code
   * workingDirectory}, as Dart Sass wrote it.
   */
  static String traceLocation(String trace, Path tree, Path workingDirectory) {
    String first = trace.strip().lines().findFirst().orElse("").strip();
    if (first.isEmpty()) {
      return "(no location)";
    }
    java.util.regex.Matcher m = TRACE.matcher(first);
    if (!m.matches()) {
      return first;
    }
    return source(m.group(1), tree, workingDirectory) + ":" + m.group(2) + ":" + m.group(3);
  }

  /** A file Dart Sass named (path or {@code file:} URL) as the build log shows it. */
  static String source(String file, Path tree, Path workingDirectory) {
    Path path = file.startsWith("file:") ? Path.of(URI.create(file)) : Path.of(file);
    path = workingDirectory.resolve(path).normalize();
    return path.startsWith(tree) ? TreeFiles.relative(tree, path) : path.toString();
  }

  /** Dart Sass's working directory: the tree, as the system names it (links resolved). */
  private Path workingDirectory() {
    try {
      return tree.toRealPath();
    } catch (IOException e) {
      return tree;
    }
  }

  private String at(SourceSpan span) {
    return source(span.getUrl(), tree, workingDirectory())
        + ":"
        + (span.getStart().getLine() + 1)
        + ":"
        + (span.getStart().getColumn() + 1);
  }

  private String where(CompileFailure failure) {
    if (failure.hasSpan() && !failure.getSpan().getUrl().isEmpty()) {
      return at(failure.getSpan()) + ": " + failure.getMessage();
    }
    return "(unknown file): " + failure.getMessage();
  }

  /** Dart Sass names sources by absolute file: URL; the map ships, so make them relative. */
  private String relativeSourceMap(String json, Path map, Path css) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode node = (ObjectNode) mapper.readTree(json);
    ArrayNode sources = mapper.createArrayNode();
    for (var source : node.withArray("sources")) {
      String url = source.asText();
      if (url.startsWith("file:")) {
        Path p = Path.of(URI.create(url));
        sources.add(map.getParent().relativize(p).toString().replace('\\', '/'));
      } else {
        sources.add(url);
      }
    }
    node.set("sources", sources);
    node.put("file", css.getFileName().toString());
    return mapper.writeValueAsString(node) + "\n";
  }
}
