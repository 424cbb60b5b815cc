package dev.tarmac.builder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.sandbox.BuildTools;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.Tarballs;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.Globs;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Manifest;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build pipeline end to end against a real git repository and a real store. */
class BuilderTest {
  @TempDir Path tmp;
  private SampleRepo repo;
  private ArtifactStore store;
  private Builder builder;

  @BeforeEach
  void setUp() throws Exception {
    repo = new SampleRepo(tmp.resolve("repo"));
    store = store(tmp.resolve("store"));
    builder = new Builder(store, tmp.resolve("data"), Clock.systemUTC());
  }

  private static ArtifactStore store(Path dir) {
    return new FsArtifactStore(
        dir,
        URI.create("http://127.0.0.1:1"),
        new UrlSigner("test-signing-key-0123".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
  }

  private BuildResult build(Builder b, String tag) {
    return b.build(
        new BuildRequest("shop", repo.url(), tag, Instant.now()),
        tmp.resolve("logs/" + tag + "-" + System.nanoTime() + ".log"));
  }

  private Map<String, Tarballs.Item> artifact(String version) throws Exception {
    return Tarballs.read(store.get(StoreLayout.artifact("shop", version)));
  }

  @Test
  void aTagBecomesAPublishedArtifactWithManifestAndRecord() throws Exception {
    BuildResult result = build(builder, "v1.0.0");

    BuildRecord record = result.record();
    assertThat(result.built()).isTrue();
    assertThat(record.version()).isEqualTo("v1.0.0");
    assertThat(record.commit()).matches("[0-9a-f]{40}");
    byte[] artifact = store.readAllBytes(StoreLayout.artifact("shop", "v1.0.0"));
    assertThat(record.sha256()).isEqualTo(Hashing.sha256Hex(artifact));
    assertThat(record.size()).isEqualTo(artifact.length);
    assertThat(record.config()).contains("app: shop");
    assertThat(result.timings())
        .extracting(StepTiming::step)
        .containsExactly(
            "checkout",
            "read config",
            "commands",
            "compile sass",
            "minify",
            "after",
            "fingerprint",
            "exclude",
            "pack",
            "publish");

    Map<String, Tarballs.Item> items = artifact("v1.0.0");
    Manifest manifest = Manifest.parse(store.readAllBytes(StoreLayout.manifest("shop", "v1.0.0")));
    assertThat(manifest.entries()).hasSize(record.files());
    for (Manifest.Entry e : manifest.entries()) {
      assertThat(Hashing.sha256Hex(items.get(e.path()).content()))
          .as(e.path())
          .isEqualTo(e.sha256());
    }
    assertThat(items.keySet())
        .noneMatch(p -> p.startsWith(".git"))
        .noneMatch(p -> p.startsWith("tests"))
        .noneMatch(p -> p.endsWith(".scss"));
    assertThat(items.get("vendor/INSTALLED").text())
        .isEqualTo("installed for shop v1.0.0 " + record.commit() + "\n");
    assertThat(store.readAllBytes(StoreLayout.buildLog("shop", "v1.0.0")))
        .asString()
        .contains("step pack done");
  }

  @Test
  void sassIsCompiledAndNoSourceIsShipped() throws Exception {
    build(builder, "v1.0.0");

    Map<String, Tarballs.Item> items = artifact("v1.0.0");
    String css = items.get("public/css/main.css").text();
    assertThat(css).contains("body{color:#222}").contains("body a{color:#36f}");
    assertThat(items.keySet()).noneMatch(p -> p.endsWith(".scss") || p.endsWith(".sass"));
  }

  @Test
  void jsAndCssAreMinifiedSmallerAndStillValid() throws Exception {
    build(builder, "v1.0.0");

    Map<String, Tarballs.Item> items = artifact("v1.0.0");
    String js = items.get("public/js/app.js").text();
    String css = items.get("public/css/extra.css").text();
    assertThat(js.length())
        .isLessThan(Files.readString(repo.dir().resolve("public/js/app.js")).length());
    assertThat(js).doesNotContain("The shop's front-end code").contains("window.greet=");
    assertThat(css).isEqualTo(".banner{margin:0;color:#fff}\n");
    // still valid: esbuild parses the minified output again without error
    Path check = tmp.resolve("check");
    Files.createDirectories(check);
    Files.writeString(check.resolve("app.js"), js);
    Files.writeString(check.resolve("extra.css"), css);
    Process p =
        new ProcessBuilder(
                new BuildTools(tmp.resolve("tools")).esbuild().toString(),
                "app.js",
                "extra.css",
                "--outdir=out")
            .directory(check.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(output).isZero();
  }

  @Test
  void modesAndSymlinksInsideTheTreeAreKept() throws Exception {
    build(builder, "v1.0.0");

    Map<String, Tarballs.Item> items = artifact("v1.0.0");
    assertThat(items.get("bin/migrate").entry().getMode()).isEqualTo(0100755);
    assertThat(items.get("public/index.html").entry().getMode()).isEqualTo(0100644);
    assertThat(items.get("public/app.js").entry().isSymbolicLink()).isTrue();
    assertThat(items.get("public/app.js").entry().getLinkName()).isEqualTo("js/app.js");
    assertThat(items.values())
        .allSatisfy(
            i -> {
              assertThat(i.entry().getLongUserId()).isZero();
              assertThat(i.entry().getUserName()).isEmpty();
            });
  }

  @Test
  void theSameCommitBuiltByTwoServicesGivesTheSameBytes() throws Exception {
    ArtifactStore otherStore = store(tmp.resolve("other-store"));
    Builder other = new Builder(otherStore, tmp.resolve("other-data"), Clock.systemUTC());

    BuildRecord first = build(builder, "v1.0.0").record();
    BuildRecord second = build(other, "v1.0.0").record();

    assertThat(second.sha256()).isEqualTo(first.sha256());
    assertThat(otherStore.readAllBytes(StoreLayout.artifact("shop", "v1.0.0")))
        .isEqualTo(store.readAllBytes(StoreLayout.artifact("shop", "v1.0.0")));
  }

  @Test
  void fingerprintedAssetsAndTheirManifestAreTheSameBytesFromTwoServices() throws Exception {
    repo.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML
            .replace(
                "  exclude: [\"tests\", \"node_modules\"]",
                "  exclude: [\"tests\", \"node_modules\"]\n"
                    + "  fingerprint: { root: public, include: [\"css/**\", \"js/**\", \"img/**\"] }")
            .replace(
                "  shared: [public/uploads]",
                "  shared: [public/uploads]\n  cdn: { url: https://cdn.example.com/shop }"));
    repo.write("public/img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>\n");
    repo.write("public/css/logo.css", ".logo { background: url(\"../img/logo.svg?v=1\"); }\n");
    repo.commitAndTag("fingerprint", "v2.0.0");
    Builder other =
        new Builder(
            store(tmp.resolve("other-store")), tmp.resolve("other-data"), Clock.systemUTC());

    BuildRecord first = build(builder, "v2.0.0").record();
    BuildRecord second = build(other, "v2.0.0").record();

    assertThat(second.sha256()).isEqualTo(first.sha256());
    Map<String, Tarballs.Item> items = artifact("v2.0.0");
    String manifest = items.get("public/tarmac-assets.json").text();
    var paths = dev.tarmac.distributor.model.Json.MAPPER.readTree(manifest).get("paths");
    String logo = paths.get("img/logo.svg").asText();
    assertThat(logo).matches("img/logo\\.[0-9a-f]{12}\\.svg");
    assertThat(items).containsKey("public/" + logo);
    // minified first, then fingerprinted: the hashed copy references the hashed image
    String css = items.get("public/" + paths.get("css/logo.css").asText()).text();
    assertThat(css).contains(logo.substring(4) + "?v=1").doesNotContain(" { ");
    assertThat(manifest).contains("\"cdn\" : \"https://cdn.example.com/shop\"");
    assertThat(store.readAllBytes(StoreLayout.buildLog("shop", "v2.0.0")))
        .asString()
        .contains("fingerprint: 6 files under public");
  }

  @Test
  void aTagAlreadyBuiltIsReturnedWithoutWork() throws Exception {
    BuildRecord first = build(builder, "v1.0.0").record();
    // the repository disappears: a rebuild that did any git work would fail
    repo.close();
    dev.tarmac.builder.workspace.TreeFiles.deleteRecursively(repo.dir());

    BuildResult again = build(builder, "v1.0.0");

    assertThat(again.built()).isFalse();
    assertThat(again.record()).isEqualTo(first);
    assertThat(again.timings()).isEmpty();
  }

  @Test
  void aSecondTagFetchesIntoTheSameMirror() throws Exception {
    build(builder, "v1.0.0");
    repo.write("assets/scss/_colors.scss", "$brand: #ff0000;\n$text: #222222;\n");
    repo.commitAndTag("red brand", "v1.1.0");

    build(builder, "v1.1.0");

    assertThat(artifact("v1.1.0").get("public/css/main.css").text()).contains("color:red");
    assertThat(artifact("v1.0.0").get("public/css/main.css").text()).contains("color:#36f");
  }

  private void assertNothingPublished() {
    assertThat(store.list("apps/shop/builds/")).isEmpty();
    assertThat(tmp.resolve("data/work")).isEmptyDirectory();
  }

  @Test
  void aSassErrorNamesFileLineAndColumn() throws Exception {
    repo.write("assets/scss/_colors.scss", "$brand: #3366ff;\n$text: #222222\nbroken {{\n");
    repo.commitAndTag("broken sass", "v2.0.0");

    assertThatThrownBy(() -> build(builder, "v2.0.0"))
        .isInstanceOf(BuildException.class)
        .hasMessageStartingWith("Sass error in assets/scss/_colors.scss:3:");
    assertNothingPublished();
  }

  @Test
  void anUnknownTagListsTheTagsThereAre() {
    assertThatThrownBy(() -> build(builder, "v9.9.9"))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("tag v9.9.9 is not in " + repo.url())
        .hasMessageContaining("its tags: v1.0.0")
        .hasMessageContaining("git push origin v9.9.9");
    assertNothingPublished();
  }

  @Test
  void anUnreachableRepositoryIsNamed() {
    String url = tmp.resolve("no-such-repo").toUri().toString();

    assertThatThrownBy(
            () ->
                builder.build(
                    new BuildRequest("shop", url, "v1.0.0", Instant.now()), tmp.resolve("x.log")))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("cannot fetch " + url + " for app shop");
    assertNothingPublished();
  }

  @Test
  void anInvalidTarmacYmlNamesTheLineAndKey() throws Exception {
    repo.write("tarmac.yml", SampleRepo.TARMAC_YML.replace("  minify:", "  minfy:"));
    repo.commitAndTag("typo", "v2.0.0");

    assertThatThrownBy(() -> build(builder, "v2.0.0"))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("tarmac.yml at v2.0.0 is invalid")
        .hasMessageContaining("line 5: build.minfy: unknown key");
    assertNothingPublished();
  }

  @Test
  void aFailingBuildCommandShowsItsExitCodeAndOutput() throws Exception {
    repo.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML.replaceFirst(
            "commands: \\[.*\\]",
            "commands: [\"echo resolving requirements; echo 'no such package: left-pad' >&2; exit 3\"]"));
    repo.commitAndTag("bad requirement", "v2.0.0");

    assertThatThrownBy(() -> build(builder, "v2.0.0"))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("exited with 3")
        .hasMessageContaining("no such package: left-pad");
    assertNothingPublished();
  }

  @Test
  void aSymlinkLeavingTheTreeIsRefused() throws Exception {
    Files.createSymbolicLink(repo.dir().resolve("public/passwd"), Path.of("../../../etc/passwd"));
    repo.commitAndTag("escape", "v2.0.0");

    assertThatThrownBy(() -> build(builder, "v2.0.0"))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining(
            "symlink public/passwd -> ../../../etc/passwd points outside the release tree");
    assertNothingPublished();
  }

  @Test
  void aChainOfCommittedSymlinksLeavingTheTreeIsRefused() throws Exception {
    Files.createDirectories(repo.dir().resolve("a/b/c"));
    Files.writeString(repo.dir().resolve("a/b/c/keep"), "x\n");
    Files.createSymbolicLink(repo.dir().resolve("a/b/c/up"), Path.of("../../.."));
    Files.createSymbolicLink(
        repo.dir().resolve("public/esc"), Path.of("../a/b/c/up/../../../../etc"));
    repo.commitAndTag("escape through a chain", "v2.0.0");

    assertThatThrownBy(() -> build(builder, "v2.0.0"))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining(
            "symlink public/esc -> ../a/b/c/up/../../../../etc points outside the release tree")
        .hasMessageContaining("following a/b/c/up -> ../../..");
    assertNothingPublished();
  }

  @Test
  void excludeGlobsFollowGitignoreHabits() {
    Globs globs = new Globs(List.of("tests", "public/js/**/*.js", "*.map"));

    assertThat(globs.matches("tests")).isTrue();
    assertThat(globs.matches("a/tests")).isTrue();
    assertThat(globs.matches("public/js/app.js")).isTrue();
    assertThat(globs.matches("public/js/lib/deep/x.js")).isTrue();
    assertThat(globs.matches("public/css/app.css")).isFalse();
    assertThat(globs.matches("public/css/app.css.map")).isTrue();
    assertThat(globs.matches("testsuite")).isFalse();
  }
}
