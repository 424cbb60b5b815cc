package dev.tarmac.builder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.Tarballs;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds from any ref (issue 26 item 9, docs/architecture.md "Builds from any ref"): a branch or a
 * commit is built as a version named from its commit, once per commit, and its record says it is
 * not a tag.
 */
class RefBuildTest {
  @TempDir Path tmp;
  SampleRepo repo;
  ArtifactStore store;
  Builder builder;

  @BeforeEach
  void setUp() throws Exception {
    repo = new SampleRepo(tmp.resolve("repo"));
    store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(
                "test-signing-key-0123".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
    builder = new Builder(store, tmp.resolve("data"), Clock.systemUTC());
  }

  BuildResult build(BuildRequest request) {
    return builder.build(request, tmp.resolve("logs/" + System.nanoTime() + ".log"));
  }

  @Test
  void aBranchIsBuiltOnceAsAVersionNamedFromItsCommitThatIsNotATag() throws Exception {
    repo.write("public/feature.txt", "login\n");
    String commit = repo.commitAndTag("the login page", "wip-1");
    repo.branch("feature/login");

    BuildRequest request = builder.resolve("shop", repo.url(), "feature/login", Instant.now());
    BuildResult first = build(request);
    BuildResult again = build(builder.resolve("shop", repo.url(), "feature/login", Instant.now()));
    BuildResult byCommit =
        build(builder.resolve("shop", repo.url(), commit.substring(0, 9), Instant.now()));

    String version = "feature-login-" + commit.substring(0, 7);
    assertThat(request.version()).isEqualTo(version);
    BuildRecord record = first.record();
    assertThat(first.built()).isTrue();
    assertThat(record.version()).isEqualTo(version);
    assertThat(record.tag()).isNull();
    assertThat(record.commit()).isEqualTo(commit);
    assertThat(record.kind()).isEqualTo("branch");
    assertThat(record.ref()).isEqualTo("feature/login");
    assertThat(record.fromTag()).isFalse();
    // read back from the store, as a release will
    assertThat(builder.published("shop", version).orElseThrow().fromTag()).isFalse();
    assertThat(
            Tarballs.read(store.get(StoreLayout.artifact("shop", version)))
                .get("vendor/INSTALLED")
                .text())
        .isEqualTo("installed for shop " + version + " " + commit + "\n");
    // once per commit: the branch again, and the commit by its id, answer the same build
    assertThat(again.built()).isFalse();
    assertThat(again.record().version()).isEqualTo(version);
    assertThat(byCommit.built()).isFalse();
    assertThat(byCommit.record().version()).isEqualTo(version);
  }

  @Test
  void aCommitAlreadyBuiltForATagIsThatBuild() throws Exception {
    BuildResult tag = build(new BuildRequest("shop", repo.url(), "v1.0.0", Instant.now()));

    BuildResult main = build(builder.resolve("shop", repo.url(), "main", Instant.now()));

    assertThat(tag.record().fromTag()).isTrue();
    assertThat(tag.record().kind()).isEqualTo("tag");
    assertThat(main.built()).isFalse();
    assertThat(main.record().version()).isEqualTo("v1.0.0");
  }

  @Test
  void aCommitByItsIdIsNamedCommitAndTheLogSaysItIsNotATag() throws Exception {
    repo.write("public/two.txt", "two\n");
    String commit = repo.commitAndTag("two", "wip-2");
    Path log = tmp.resolve("commit.log");

    BuildRequest request = builder.resolve("shop", repo.url(), commit, Instant.now());
    BuildResult built = builder.build(request, log);

    assertThat(built.record().version()).isEqualTo("commit-" + commit.substring(0, 7));
    assertThat(built.record().kind()).isEqualTo("commit");
    assertThat(built.record().ref()).isEqualTo(commit);
    assertThat(Files.readString(log))
        .contains(
            "build shop commit-"
                + commit.substring(0, 7)
                + " (commit "
                + commit
                + ", not a tag) from "
                + repo.url())
        .contains("checkout: commit " + commit + " is commit " + commit);
  }

  @Test
  void unknownRefsAndNamesTarmacDoesNotBuildAreRefusedSayingWhatToDo() throws Exception {
    assertThatThrownBy(() -> builder.resolve("shop", repo.url(), "nope", Instant.now()))
        .isInstanceOf(BuildException.class)
        .hasMessage(
            "nope is neither a branch nor a commit of "
                + repo.url()
                + "; its branches: main. Push it (git push origin nope) and build again");
    assertThatThrownBy(() -> builder.resolve("shop", repo.url(), "-x", Instant.now()))
        .isInstanceOf(BuildException.class)
        .hasMessage(
            "'-x' is not a ref Tarmac builds: give a branch (1 to 100 of A-Z a-z 0-9 . _ - /, not"
                + " starting with - or /, without .. or //) or a commit id (7 to 40 of 0-9 a-f)");
    assertThatThrownBy(() -> builder.resolve("shop", repo.url(), "a..b", Instant.now()))
        .isInstanceOf(BuildException.class)
        .hasMessageStartingWith("'a..b' is not a ref Tarmac builds");
  }
}
