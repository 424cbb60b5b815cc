package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.testing.InSandbox;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Minify never changes which browsers work (issue 11), with the real esbuild binary on ES5
 * vendor-like files (test resources {@code frontend/vendor}).
 */
class MinifyAssetsStepTest {
  @TempDir Path tmp;
  private Path tree;

  @BeforeEach
  void setUp() throws Exception {
    tree = tmp.resolve("tree");
    for (String name : List.of("widget.js", "chart.js", "theme.css", "modern.js")) {
      Path to = tree.resolve("public/vendor").resolve(name);
      Files.createDirectories(to.getParent());
      try (InputStream in = getClass().getResourceAsStream("/frontend/vendor/" + name)) {
        Files.copy(in, to);
      }
    }
  }

  private MinifyAssetsStep.Minified minify(List<String> globs, List<String> targets)
      throws Exception {
    try (BuildLog log = new BuildLog(tmp.resolve("build.log"))) {
      return InSandbox.none(
          tree,
          session ->
              new MinifyAssetsStep(session, globs, targets, java.time.Duration.ofMinutes(5), log)
                  .run());
    }
  }

  private String read(String path) throws Exception {
    return Files.readString(tree.resolve(path));
  }

  private String log() throws Exception {
    return Files.readString(tmp.resolve("build.log"));
  }

  /** Syntax that ES5 browsers (IE 11, Safari 9) cannot parse, and CSS they cannot read. */
  static void assertStillEs5(String js) {
    assertThat(js)
        .doesNotContain("catch{")
        .doesNotContain("`")
        .doesNotContain("=>")
        .doesNotContain("const ")
        .doesNotContain("let ")
        .doesNotContainPattern(
            "[{,](?!function\\b)[\\w$]+\\([\\w$,]*\\)\\{"); // method shorthand {noop(){}
  }

  static void assertOldBrowserCss(String css) {
    assertThat(css)
        .doesNotContainPattern("#[0-9a-fA-F]{8}\\b")
        .doesNotContainPattern("#[0-9a-fA-F]{4}\\b")
        .doesNotContain("inset:")
        .contains("rgba(0,0,0,.5)")
        .contains("top:0;right:0;bottom:0;left:0");
  }

  @Test
  void withNoTargetSaidEs5FilesStayEs5AndCssKeepsOldForms() throws Exception {
    long before = Files.size(tree.resolve("public/vendor/widget.js"));

    MinifyAssetsStep.Minified result =
        minify(List.of("public/vendor/*.js", "public/vendor/*.css"), List.of());

    String widget = read("public/vendor/widget.js");
    assertStillEs5(widget);
    assertStillEs5(read("public/vendor/chart.js"));
    // {toggle: toggle} is not shortened to {toggle}, catch (e) keeps its binding
    assertThat(widget)
        .contains("toggle:toggle,parent:parent")
        .contains("catch(")
        .doesNotContain("old browsers throw");
    assertThat((long) widget.length()).isLessThan(before);
    assertOldBrowserCss(read("public/vendor/theme.css"));
    // the file already ES2015 is minified too, at its own level
    assertThat(read("public/vendor/modern.js")).contains("class ").doesNotContain("  ");
    assertThat(log()).contains("already use syntax newer than es5").contains("modern.js");
    assertThat(result.bytesAfter()).isLessThan(result.bytesBefore());
  }

  @Test
  void theBrowserslistOfTheProjectIsTheTarget() throws Exception {
    Files.writeString(
        tree.resolve(".browserslistrc"),
        "# the admin theme's browsers\n> 1%\nIE 11\nSafari >= 10\niOS >= 10\nnot dead\n");
    Files.delete(tree.resolve("public/vendor/modern.js"));

    minify(List.of("public/vendor/**"), List.of());

    assertStillEs5(read("public/vendor/widget.js"));
    assertThat(read("public/vendor/widget.js")).contains("toggle:toggle,parent:parent");
    assertStillEs5(read("public/vendor/chart.js"));
    assertOldBrowserCss(read("public/vendor/theme.css"));
    assertThat(log())
        .contains("targets ie11,safari10,ios10 (from .browserslistrc)")
        .contains("> 1% cannot be mapped");
  }

  @Test
  void browserslistInPackageJsonIsReadToo() throws Exception {
    Files.writeString(
        tree.resolve("package.json"), "{\"browserslist\": [\"Chrome >= 58\", \"Firefox 60\"]}");

    minify(List.of("public/vendor/theme.css"), List.of());

    assertThat(log()).contains("targets chrome58,firefox60 (from package.json browserslist)");
  }

  @Test
  void aFileNewerThanTheSaidTargetIsAnErrorNamingFileLineAndConstruct() {
    assertThatThrownBy(() -> minify(List.of("public/vendor/*.js"), List.of("es5")))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("esbuild cannot minify for es5 (from build.minify_target)")
        .hasMessageContaining("public/vendor/modern.js:2:")
        .hasMessageContaining("Transforming const to the configured target environment");
  }

  @Test
  void aGlobMatchingNothingIsAWarningInTheBuildLog() throws Exception {
    minify(List.of("public/vendor/chart.js", "public/dist/**/*.js"), List.of());

    assertThat(log()).contains("WARNING: build.minify glob 'public/dist/**/*.js' matches no file");
  }

  @Test
  void aSourceMapNamedThroughALinkOutOfTheTreeIsNeverDeleted() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    // any file the service could delete; a valid map, so that esbuild goes on to the clean-up
    String map =
        "{\"version\":3,\"sources\":[\"a.ts\"],\"sourcesContent\":[\"x\"],\"mappings\":\"AAAA\","
            + "\"names\":[]}";
    Path victim = Files.writeString(outside.resolve("victim.map"), map);
    Files.createDirectories(tree.resolve("public"));
    Files.createSymbolicLink(tree.resolve("public/l"), outside);
    Files.writeString(
        tree.resolve("public/app.js"),
        "var a = function (x) { return x; };\n//# sourceMappingURL=l/victim.map\n");

    minify(List.of("public/*.js"), List.of());

    assertThat(victim).exists();
    assertThat(Files.readString(victim)).isEqualTo(map);
  }

  @Test
  void aFileWithASourceMapKeepsAMapThatMatchesTheMinifiedFile() throws Exception {
    Path app = tree.resolve("public/app.js");
    Files.writeString(
        app,
        "var greet = function (name) { return \"hi \" + name; };\nwindow.greet = greet;\n"
            + "//# sourceMappingURL=app.js.map\n");
    Files.writeString(
        tree.resolve("public/app.js.map"),
        "{\"version\":3,\"sources\":[\"src/app.ts\"],\"sourcesContent\":[\"const greet = (name:"
            + " string) => 'hi ' + name;\"],\"mappings\":\"AAAA;AACA\",\"names\":[]}");

    minify(List.of("public/*.js"), List.of());

    assertThat(read("public/app.js")).endsWith("//# sourceMappingURL=app.js.map\n");
    assertThat(read("public/app.js.map")).contains("src/app.ts").contains("\"names\"");
  }

  @Test
  void filesGoToEsbuildInBatchesCutByTheLengthOfTheirNamesNoneLostNoneReordered() throws Exception {
    try (BuildLog log = new BuildLog(tmp.resolve("build.log"))) {
      MinifyAssetsStep step =
          InSandbox.none(
              tree,
              session ->
                  new MinifyAssetsStep(
                      session, List.of(), List.of(), java.time.Duration.ofMinutes(5), log));
      List<Path> files =
          java.util.stream.IntStream.range(0, 1000)
              .mapToObj(i -> tree.resolve("js/f" + i + ".js"))
              .toList();
      List<List<Path>> small = step.batches(files, 100);
      assertThat(small.stream().flatMap(List::stream).toList()).isEqualTo(files);
      assertThat(small)
          .hasSizeGreaterThan(90)
          .allSatisfy(
              batch ->
                  assertThat(
                          batch.stream()
                              .mapToInt(p -> tree.relativize(p).toString().length() + 1)
                              .sum())
                      .isLessThanOrEqualTo(100));
      // a name longer than the limit still goes, alone
      Path longName = tree.resolve("js/" + "x".repeat(200) + ".js");
      assertThat(step.batches(List.of(files.get(0), longName, files.get(1)), 100))
          .containsExactly(List.of(files.get(0)), List.of(longName), List.of(files.get(1)));
      // with the step's own limit, a thousand files are one esbuild process
      assertThat(step.batches(files, MinifyAssetsStep.ARGUMENT_BYTES)).hasSize(1);
    }
  }
}
