package dev.tarmac.builder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.Tarballs;
import dev.tarmac.distributor.model.Manifest;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tarmac check} without the service: validate, and build the working copy (issue 11). */
class LocalBuildTest {
  @TempDir Path tmp;
  private SampleRepo repo;

  @BeforeEach
  void setUp() throws Exception {
    repo = new SampleRepo(tmp.resolve("repo"));
  }

  private record Ran(int exitCode, String output) {}

  private Ran run(boolean build, Path out) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code;
    try (PrintStream print = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      code = LocalBuild.run(repo.dir(), build, out, print);
    }
    return new Ran(code, bytes.toString(StandardCharsets.UTF_8));
  }

  /** Issue 26, item 6: no tarmac.yml is not a failed build; it is exit 3, saying what to run. */
  @Test
  void aWorkingCopyWithoutTarmacYmlIsAConfigProblemNotAFailedBuild() throws Exception {
    Files.delete(repo.dir().resolve("tarmac.yml"));

    for (boolean build : new boolean[] {false, true}) {
      Ran ran = run(build, build ? tmp.resolve("out") : null);

      assertThat(ran.exitCode()).isEqualTo(3);
      assertThat(ran.output())
          .isEqualTo(
              "there is no tarmac.yml in "
                  + repo.dir()
                  + ": it is what tells Tarmac how to build and release this app; `tarmac init --dir "
                  + repo.dir()
                  + "` writes one fitted to the repository\n");
      assertThat(tmp.resolve("out")).doesNotExist();
    }
  }

  @Test
  void aBrokenConfigGetsEveryProblemWithLineKeyAndSuggestion() throws Exception {
    repo.write(
        "tarmac.yml",
        """
        app: shop
        build:
          minfy: ["public/js/*.js"]
          sass:
            - { from: ../outside.scss, to: public/css/main.css }
        release:
          kepp: 3
        environments:
          demo:
            deploy_to: srv/shop
            hosts: [{ name: a, address: local, port: 99999 }]
        """);

    Ran ran = run(false, null);

    assertThat(ran.exitCode()).isEqualTo(3);
    assertThat(ran.output())
        .contains("tarmac.yml is invalid")
        .contains("line 3: build.minfy: unknown key; did you mean `minify`?")
        .contains("line 5: build.sass[0].from: expected a relative path inside the repository")
        .contains("line 7: release.kepp: unknown key; did you mean `keep`?")
        .contains("line 10: environments.demo.deploy_to: expected an absolute path")
        .contains("line 11: environments.demo.hosts[0].port: expected a number from 1 to 65535")
        .doesNotContain("tag again");
  }

  @Test
  void aValidConfigIsReportedWithNotesOnPathsThatMatchNothing() throws Exception {
    repo.write(
        "tarmac.yml", SampleRepo.TARMAC_YML.replace("\"tests\", \"node_modules\"", "\"test\""));

    Ran ran = run(false, null);

    assertThat(ran.exitCode()).isZero();
    assertThat(ran.output())
        .contains("tarmac.yml is valid (app shop, environments demo)")
        .contains("note: build.exclude: 'test' matches nothing (fine if build.commands makes it)");
  }

  /** Walk 3: a tarmac.yml without environments (they are registered in the service) read well. */
  @Test
  void aValidConfigWithoutEnvironmentsSaysSoInWords() throws Exception {
    repo.write("tarmac.yml", "app: shop\n");

    Ran ran = run(false, null);

    assertThat(ran.exitCode()).isZero();
    assertThat(ran.output())
        .contains(
            "tarmac.yml is valid (app shop; no environments block: where it runs is registered in"
                + " the service, tarmac env set)")
        .doesNotContain("environments )");
  }

  @Test
  void theWorkingCopyBuildsToTheSameFilesAsThePublishedArtifactOfTheSameCommit() throws Exception {
    ArtifactStore store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(
                "test-signing-key-0123".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
    new Builder(store, tmp.resolve("data"), Clock.systemUTC())
        .build(new BuildRequest("shop", repo.url(), "v1.0.0", Instant.now()), tmp.resolve("b.log"));
    List<String> published =
        Manifest.parse(store.readAllBytes(StoreLayout.manifest("shop", "v1.0.0")))
            .entries()
            .stream()
            .map(Manifest.Entry::path)
            .toList();
    // things git does not ship are not built either
    repo.write(".gitignore", "*.log\n");
    repo.write("debug.log", "local noise\n");
    Files.delete(repo.dir().resolve(".gitignore"));
    repo.write(".git/info/exclude", "*.log\n");

    Path out = tmp.resolve("out/shop");
    Ran ran = run(true, out);

    assertThat(ran.exitCode()).as(ran.output()).isZero();
    List<String> local;
    try (var in = Files.newInputStream(tmp.resolve("out/shop.tar.gz"))) {
      local =
          Tarballs.read(in).entrySet().stream()
              .filter(e -> e.getValue().entry().isFile() && !e.getValue().entry().isSymbolicLink())
              .map(e -> e.getKey())
              .sorted()
              .toList();
    }
    assertThat(Files.isSymbolicLink(out.resolve("public/app.js"))).isTrue();
    assertThat(local).isEqualTo(published.stream().sorted().toList());
    assertThat(out.resolve("public/css/main.css")).content().contains("body{color:#222}");
    assertThat(ran.output())
        .contains("build log (")
        .contains("step compile sass done")
        .contains("from the working copy")
        .contains("artifact: " + published.size() + " files")
        .contains("public/css/main.css")
        .contains("nothing published");
  }
}
