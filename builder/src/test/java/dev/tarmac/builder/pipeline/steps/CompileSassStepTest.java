package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.testing.InSandbox;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.deploy.config.TarmacConfig.SassEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sass as real themes use it (issue 11), with the real Dart Sass embedded compiler. */
class CompileSassStepTest {
  @TempDir Path tmp;
  private Path tree;

  @BeforeEach
  void setUp() throws Exception {
    tree = tmp.resolve("tree");
    // a Jekyll theme's _sass/ and an npm package in node_modules
    write("_sass/minima/skins/_auto.scss", "$skin-text: #111111 !default;\n");
    write("_sass/minima/_base.scss", "body { margin: 0; }\n");
    write(
        "node_modules/bootstrap/scss/_bootstrap.scss",
        "$primary: #0d6efd !default;\n.btn-primary { background: $primary; }\n");
    write(
        "assets/css/style.scss",
        """
        @use "bootstrap/scss/bootstrap" with ($primary: #198754);
        @import "minima/skins/auto", "minima/base";
        .post { color: $skin-text; }
        """);
  }

  private void write(String path, String text) throws Exception {
    Path file = tree.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private String compile(SassEntry... entries) throws Exception {
    try (BuildLog log = new BuildLog(tmp.resolve("build.log"))) {
      InSandbox.none(
          tree,
          session ->
              new CompileSassStep(session, List.of(entries), java.time.Duration.ofMinutes(5), log)
                  .run());
    }
    return Files.readString(tmp.resolve("build.log"));
  }

  private String read(String path) throws Exception {
    return Files.readString(tree.resolve(path));
  }

  @Test
  void importsAreFoundThroughTheLoadPathsOfTheEntry() throws Exception {
    compile(
        new SassEntry(
            "assets/css/style.scss",
            "assets/css/style.css",
            List.of("_sass", "node_modules"),
            false));

    assertThat(read("assets/css/style.css"))
        .contains(".btn-primary{background:#198754}")
        .contains("body{margin:0}")
        .contains(".post{color:#111}")
        .doesNotContain("sourceMappingURL");
    assertThat(tree.resolve("assets/css/style.css.map")).doesNotExist();
  }

  /**
   * Sass runs in the service, outside the build sandbox (docs/architecture.md, "Build isolation"),
   * so the repository must not make it read a stylesheet from elsewhere on the machine into the
   * artifact: an absolute import, or a source that is a symlink out of the tree (build commands can
   * make one). The build fails naming the file, and no CSS is written.
   */
  @Test
  void aStylesheetOutsideTheTreeIsNeverCompiledIn() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.writeString(outside.resolve("secret.css"), ".leak{content:\"SECRET\"}\n");
    write("assets/css/abs.scss", "@import \"" + outside.resolve("secret") + "\";\n.a{b:c}\n");
    assertThatThrownBy(() -> compile(new SassEntry("assets/css/abs.scss", "public/css/abs.css")))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("outside the tree")
        .hasMessageContaining(outside.resolve("secret.css").toString());
    assertThat(tree.resolve("public/css/abs.css")).doesNotExist();

    Files.createDirectories(tree.resolve("assets/css"));
    Files.createSymbolicLink(tree.resolve("assets/css/link.scss"), outside.resolve("secret.css"));
    assertThatThrownBy(() -> compile(new SassEntry("assets/css/link.scss", "public/css/link.css")))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("outside the tree");
    assertThat(tree.resolve("public/css/link.css")).doesNotExist();
  }

  @Test
  void aLoadPathThatIsNotThereIsNamedWithWhatToDo() {
    assertThatThrownBy(
            () ->
                compile(
                    new SassEntry(
                        "assets/css/style.scss",
                        "assets/css/style.css",
                        List.of("_sass", "node_modules/bootstrap/dist", "_includes"),
                        false)))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining(
            "build.sass[0].load_paths: node_modules/bootstrap/dist is not a directory of the tree"
                + " after build.commands ran; install it first (build.commands: [\"npm ci\"])")
        .hasMessageContaining("build.sass[0].load_paths: _includes is not a directory");
  }

  @Test
  void warningsGoToTheBuildLogWithFileAndLineRepeatedKindsCounted() throws Exception {
    write(
        "assets/css/warn.scss",
        """
        .a { width: (10px + 0px) / 2; }
        .b { width: (20px + 0px) / 2; }
        .c { width: (30px + 0px) / 2; }
        .d { width: (40px + 0px) / 2; }
        .e { width: (50px + 0px) / 2; }
        .f { width: (60px + 0px) / 2; }
        @warn "the legacy grid goes away in 2.0";
        """);

    String log = compile(new SassEntry("assets/css/warn.scss", "assets/css/warn.css"));

    assertThat(log)
        .contains("sass: DEPRECATION WARNING [slash-div] at assets/css/warn.scss:1:13: Using /")
        .contains("sass: DEPRECATION WARNING [slash-div] at assets/css/warn.scss:5:13:")
        .doesNotContain("warn.scss:6:13")
        .contains("sass: 1 more DEPRECATION WARNING [slash-div] not shown (6 in all)")
        .contains("sass: WARNING at assets/css/warn.scss:7:1: the legacy grid goes away in 2.0")
        .contains("sass: 7 warnings");
  }

  @Test
  void nonAsciiOutputDeclaresItsCharset() throws Exception {
    write("assets/css/arrows.scss", ".next::after { content: \"→\"; }\n");

    compile(new SassEntry("assets/css/arrows.scss", "assets/css/arrows.css"));

    assertThat(read("assets/css/arrows.css"))
        .startsWith("@charset \"UTF-8\";")
        .contains("content:\"→\"");
  }

  @Test
  void aSourceMapIsWrittenBesideTheCssAndReferencedWhenAsked() throws Exception {
    compile(
        new SassEntry(
            "assets/css/style.scss",
            "public/css/style.css",
            List.of("_sass", "node_modules"),
            true));

    assertThat(read("public/css/style.css")).endsWith("/*# sourceMappingURL=style.css.map */\n");
    assertThat(read("public/css/style.css.map"))
        .contains("\"../../assets/css/style.scss\"")
        .contains("\"../../_sass/minima/skins/_auto.scss\"")
        .contains("\"sourcesContent\"")
        .doesNotContain("file:")
        .doesNotContain(tree.toString());
  }
}
