package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.deploy.config.TarmacConfig.Fingerprint;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.store.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fingerprinting on real files: names, CSS and HTML rewriting, the manifest, determinism. */
class FingerprintAssetsStepTest {
  @TempDir Path tmp;

  private static final String LOGO = "\u0089PNG logo bytes";

  private static void write(Path tree, String path, String text) throws Exception {
    Path p = tree.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private static String hash(String content) {
    return Hashing.sha256Hex(content.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .substring(0, 12);
  }

  private Path tree(String name) throws Exception {
    Path tree = tmp.resolve(name);
    write(tree, "public/img/logo.png", LOGO);
    write(tree, "public/fonts/a b.woff2", "font");
    write(tree, "public/css/base.css", "body{margin:0}\n");
    write(
        tree,
        "public/css/app.css",
        """
        @import "base.css";
        @import url(https://fonts.example.com/x.css);
        .logo{background:url(../img/logo.png?v=2#top)}
        .again{background:url('/img/logo.png')}
        .dot{background:url("./../img/logo.png")}
        .inline{background:url(data:image/png;base64,iVBORw0KGgo=)}
        .far{background:url(//cdn.example.com/img/logo.png)}
        .gone{background:url(../img/missing.png)}
        .out{background:url(../../secret.png)}
        .frag{filter:url(#blur)}
        """);
    write(tree, "public/js/app.js", "window.x=1;\n");
    write(tree, "public/js/dev.js", "debugger;\n");
    write(
        tree,
        "public/index.html",
        "<link rel=stylesheet href=\"css/app.css\"><script src='/js/app.js?x=1'></script>"
            + "<a href=\"https://example.com/js/app.js\">x</a><img src=\"img/none.png\">\n");
    write(tree, "public/other/readme.txt", "not included\n");
    return tree;
  }

  private FingerprintAssetsStep.Fingerprinted run(Path tree, boolean html, Optional<String> cdn)
      throws Exception {
    return new FingerprintAssetsStep(
            tree,
            Optional.of(new Fingerprint("public", Fingerprint.DEFAULT_INCLUDE, html)),
            List.of("public/js/dev.js"),
            cdn,
            new BuildLog(tmp.resolve("build-" + System.nanoTime() + ".log")))
        .run();
  }

  @Test
  void nothingIsWrittenThroughALinkTheBuildPlantedAtAPredictableName() throws Exception {
    Path tree = tree("planted");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Path victim = Files.writeString(outside.resolve("victim"), "untouched\n");
    String logo = "logo." + hash(LOGO) + ".png";
    Files.createSymbolicLink(tree.resolve("public/img/" + logo), victim);
    Files.createSymbolicLink(tree.resolve("public/" + Fingerprint.MANIFEST), victim);

    assertThatThrownBy(() -> run(tree, false, Optional.empty()))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("is a symlink; Tarmac does not write through it");
    assertThat(Files.readString(victim)).isEqualTo("untouched\n");
  }

  @Test
  void aRootReachedThroughALinkOutOfTheTreeIsRefusedUnread() throws Exception {
    Path tree = tmp.resolve("linked");
    Path outside = Files.createDirectories(tmp.resolve("elsewhere/public"));
    Files.writeString(outside.resolve("secret.css"), "secret{}\n");
    Files.createDirectories(tree);
    Files.createSymbolicLink(tree.resolve("site"), outside.getParent());

    assertThatThrownBy(
            () ->
                new FingerprintAssetsStep(
                        tree,
                        Optional.of(
                            new Fingerprint("site/public", Fingerprint.DEFAULT_INCLUDE, false)),
                        List.of(),
                        Optional.empty(),
                        new BuildLog(tmp.resolve("linked.log")))
                    .run())
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("build.fingerprint.root 'site/public'");
    try (var left = Files.list(outside)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("secret.css");
    }
  }

  @Test
  void cssReferencesAreRewrittenKeepingQueryAndFragmentAndLeavingTheRestAlone() throws Exception {
    Path tree = tree("a");

    var result = run(tree, false, Optional.empty());

    String logo = "logo." + hash(LOGO) + ".png";
    String base = "base." + hash("body{margin:0}\n") + ".css";
    String hashedCss = result.paths().get("css/app.css");
    String css = Files.readString(tree.resolve("public").resolve(hashedCss));
    assertThat(css)
        .contains("@import \"" + base + "\";")
        .contains("@import url(https://fonts.example.com/x.css);")
        .contains("url(../img/" + logo + "?v=2#top)")
        .contains("url('/img/" + logo + "')")
        .contains("url(\"./../img/" + logo + "\")")
        .contains("url(data:image/png;base64,iVBORw0KGgo=)")
        .contains("url(//cdn.example.com/img/logo.png)")
        .contains("url(../img/missing.png)")
        .contains("url(../../secret.png)")
        .contains("url(#blur)");
    // the hash is of the rewritten text, so it changes when a referenced file changes
    assertThat(hashedCss).isEqualTo("css/app." + hash(css) + ".css");
    // the original stays as it was; the copies are byte for byte what the names say
    assertThat(Files.readString(tree.resolve("public/css/app.css"))).contains("../img/logo.png?");
    assertThat(Files.readString(tree.resolve("public/img/" + logo))).isEqualTo(LOGO);
    assertThat(result.paths())
        .containsEntry("img/logo.png", "img/" + logo)
        .containsEntry("fonts/a b.woff2", "fonts/a b." + hash("font") + ".woff2")
        .containsKey("js/app.js")
        .doesNotContainKey("js/dev.js") // build.exclude removes it next
        .doesNotContainKey("other/readme.txt")
        .doesNotContainKey("index.html");
    assertThat(result.cssRewritten()).isEqualTo(1);
    // not asked for: HTML untouched
    assertThat(Files.readString(tree.resolve("public/index.html")))
        .contains("href=\"css/app.css\"");
  }

  @Test
  void aChangedImageChangesTheNameOfTheStylesheetThatUsesIt() throws Exception {
    Path a = tree("a");
    Path b = tree("b");
    write(b, "public/img/logo.png", "a new logo");

    var first = run(a, false, Optional.empty());
    var second = run(b, false, Optional.empty());

    assertThat(second.paths().get("css/app.css")).isNotEqualTo(first.paths().get("css/app.css"));
    assertThat(second.paths().get("css/base.css")).isEqualTo(first.paths().get("css/base.css"));
    assertThat(second.paths().get("js/app.js")).isEqualTo(first.paths().get("js/app.js"));
  }

  @Test
  void theManifestIsAFlatMapWithTheCdnAndByteIdenticalForTheSameTree() throws Exception {
    Path a = tree("a");
    Path b = tree("b");

    var result = run(a, false, Optional.of("https://cdn.example.com/shop"));
    run(b, false, Optional.of("https://cdn.example.com/shop"));

    byte[] manifest = Files.readAllBytes(a.resolve("public/tarmac-assets.json"));
    assertThat(Files.readAllBytes(b.resolve("public/tarmac-assets.json"))).isEqualTo(manifest);
    JsonNode json = Json.MAPPER.readTree(manifest);
    assertThat(json.get("cdn").asText()).isEqualTo("https://cdn.example.com/shop");
    assertThat(json.get("version").asInt()).isEqualTo(1);
    @SuppressWarnings("unchecked")
    Map<String, String> paths = Json.MAPPER.convertValue(json.get("paths"), Map.class);
    assertThat(paths).isEqualTo(result.paths());
    assertThat(List.copyOf(paths.keySet()))
        .containsExactly(
            "css/app.css", "css/base.css", "fonts/a b.woff2", "img/logo.png", "js/app.js");
    // every other file of the two trees is the same too
    for (String p : result.paths().values()) {
      assertThat(Files.readAllBytes(b.resolve("public").resolve(p)))
          .isEqualTo(Files.readAllBytes(a.resolve("public").resolve(p)));
    }
  }

  @Test
  void withoutACdnTheManifestHasNoCdnKey() throws Exception {
    Path a = tree("a");
    run(a, false, Optional.empty());
    JsonNode json = Json.MAPPER.readTree(a.resolve("public/tarmac-assets.json").toFile());
    assertThat(json.has("cdn")).isFalse();
  }

  @Test
  void htmlReferencesAreRewrittenWhenAsked() throws Exception {
    Path tree = tree("a");

    var result = run(tree, true, Optional.empty());

    String html = Files.readString(tree.resolve("public/index.html"));
    String css = result.paths().get("css/app.css");
    String js = result.paths().get("js/app.js");
    assertThat(html)
        .contains("href=\"" + css + "\"")
        .contains("src='/" + js + "?x=1'")
        .contains("href=\"https://example.com/js/app.js\"")
        .contains("src=\"img/none.png\"");
    assertThat(result.htmlRewritten()).isEqualTo(1);
  }

  @Test
  void stylesheetsInACycleAreAnErrorNamingThem() throws Exception {
    Path tree = tmp.resolve("cycle");
    write(tree, "public/css/a.css", "@import 'b.css';\n");
    write(tree, "public/css/b.css", ".x{background:url(a.css)}\n");

    assertThatThrownBy(() -> run(tree, false, Optional.empty()))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("css/a.css -> css/b.css -> css/a.css");
  }

  @Test
  void aMissingRootIsAnErrorNamingTheKey() throws Exception {
    Path tree = tmp.resolve("empty");
    Files.createDirectories(tree);

    assertThatThrownBy(() -> run(tree, false, Optional.empty()))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("build.fingerprint.root 'public' is not a directory");
  }

  @Test
  void hashedNamesKeepTheExtension() {
    assertThat(FingerprintAssetsStep.hashedName("css/app.css", "abc")).isEqualTo("css/app.abc.css");
    assertThat(FingerprintAssetsStep.hashedName("js/app.js.map", "abc"))
        .isEqualTo("js/app.js.abc.map");
    assertThat(FingerprintAssetsStep.hashedName("fonts/LICENSE", "abc"))
        .isEqualTo("fonts/LICENSE.abc");
    assertThat(FingerprintAssetsStep.hashedName("img/.hidden", "abc")).isEqualTo("img/.hidden.abc");
  }
}
