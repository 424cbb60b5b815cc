package dev.tarmac.builder.build.steps;

import com.sass_lang.embedded_protocol.OutboundMessage.CompileResponse.CompileFailure;
import com.sass_lang.embedded_protocol.OutputStyle;
import de.larsgrefer.sass.embedded.SassCompilationFailedException;
import de.larsgrefer.sass.embedded.SassCompiler;
import de.larsgrefer.sass.embedded.SassCompilerFactory;
import dev.tarmac.builder.build.BuildException;
import dev.tarmac.builder.build.BuildLog;
import dev.tarmac.builder.build.BuildStep;
import dev.tarmac.builder.build.TreeFiles;
import dev.tarmac.deploy.config.TarmacConfig.SassEntry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Compiles each {@code build.sass} entry with Dart Sass (embedded, bundled: no download). It runs
 * after the app's own commands (so {@code node_modules} exists); the sources stay until {@link
 * ExcludePathsStep}. A Sass error fails the build with file:line:column.
 */
public final class CompileSassStep implements BuildStep<CompileSassStep.Compiled> {
  public record Compiled(int stylesheets) {}

  private final Path tree;
  private final List<SassEntry> entries;
  private final BuildLog log;

  public CompileSassStep(Path tree, List<SassEntry> entries, BuildLog log) {
    this.tree = tree;
    this.entries = entries;
    this.log = log;
  }

  @Override
  public Compiled run() throws Exception {
    if (!entries.isEmpty()) {
      try (SassCompiler compiler = SassCompilerFactory.bundled()) {
        compiler.setOutputStyle(OutputStyle.COMPRESSED);
        for (SassEntry entry : entries) {
          Path from = tree.resolve(entry.from());
          if (!Files.isRegularFile(from)) {
            throw new BuildException(
                "build.sass: "
                    + entry.from()
                    + " does not exist at this tag; fix the `from` path in tarmac.yml");
          }
          String css;
          try {
            css = compiler.compileFile(from.toFile()).getCss();
          } catch (SassCompilationFailedException e) {
            throw new BuildException("Sass error in " + where(e.getCompileFailure()));
          }
          Path to = tree.resolve(entry.to());
          Files.createDirectories(to.getParent());
          Files.writeString(to, css.endsWith("\n") ? css : css + "\n");
          log.line("sass: " + entry.from() + " -> " + entry.to() + " (" + css.length() + " bytes)");
        }
      }
    }
    return new Compiled(entries.size());
  }

  private String where(CompileFailure failure) {
    String file = "(unknown file)";
    if (failure.hasSpan() && !failure.getSpan().getUrl().isEmpty()) {
      String url = failure.getSpan().getUrl();
      Path path = url.startsWith("file:") ? Path.of(URI.create(url)) : Path.of(url);
      file = path.startsWith(tree) ? TreeFiles.relative(tree, path) : path.toString();
      var start = failure.getSpan().getStart();
      file += ":" + (start.getLine() + 1) + ":" + (start.getColumn() + 1);
    }
    return file + ": " + failure.getMessage();
  }
}
