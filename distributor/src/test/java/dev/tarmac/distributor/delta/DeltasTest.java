package dev.tarmac.distributor.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.store.IntegrityException;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import dev.tarmac.distributor.testing.Artifacts;
import dev.tarmac.distributor.testing.Trees;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deltas between two real artifacts in a real (fs) store, applied with tar and sha256sum. */
class DeltasTest {
  @TempDir Path tmp;
  private FsArtifactStore store;
  private Path v1;
  private Path v2;
  private BuildRecord v2Build;

  @BeforeEach
  void setUp() throws Exception {
    store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(
                "0123456789abcdef-test".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
    String longDir = "long/" + "d".repeat(60) + "/" + "e".repeat(60);
    v1 = tmp.resolve("v1");
    Trees.write(v1, "public/index.html", "hello v1\n");
    Trees.write(v1, "public/same.css", "body{}\n");
    Trees.write(v1, "public/gone.txt", "bye\n");
    Trees.write(v1, "public/js/app.js", "js\n");
    Trees.link(v1, "public/app.js", "js/app.js");
    Trees.write(v1, "public/uploads/a.png", "png\n");
    Trees.write(v1, "bin/run", "#!/bin/sh\necho run\n");
    Files.setPosixFilePermissions(
        v1.resolve("bin/run"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Trees.write(v1, longDir + "/file.txt", "deep\n");
    Artifacts.publish(store, "shop", "v1", v1, tmp.resolve("work"));

    v2 = tmp.resolve("v2");
    Trees.write(v2, "public/index.html", "hello v2\n");
    Trees.write(v2, "public/same.css", "body{}\n");
    Trees.write(v2, "public/js/app.js", "js\n");
    Trees.write(v2, "public/js/main.js", "main\n");
    Trees.link(v2, "public/app.js", "js/main.js");
    Trees.write(v2, "public/uploads/a.png", "png\n");
    Trees.write(v2, "bin/run", "#!/bin/sh\necho run\n");
    Trees.write(v2, longDir + "/file.txt", "deep\n");
    v2Build = Artifacts.publish(store, "shop", "v2", v2, tmp.resolve("work"));
  }

  private Deltas deltas() {
    return new Deltas(store, tmp.resolve("deltas-tmp"));
  }

  private Path deltaFile() {
    return store.path(StoreLayout.delta("shop", "v1", "v2"));
  }

  private Path unpack(String version) throws Exception {
    Path dir = tmp.resolve("release-" + version);
    Files.createDirectories(dir);
    Process p =
        new ProcessBuilder(
                "tar",
                "-xzf",
                store.path(StoreLayout.artifact("shop", version)).toString(),
                "-C",
                dir.toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).isZero();
    return dir;
  }

  @Test
  void aWorkingDirectoryAnotherUserOwnsOrCanWriteIsNeverUsed() throws Exception {
    // probe of issue 21: a setpriv build left /tmp/tarmac-deltas behind, mode 777, owned by its
    // uid (a chmod-000 subdirectory kept find -delete from removing it); every service of the
    // machine then wrote its deltas there, where that uid could swap them before the upload
    Path planted = tmp.resolve("planted");
    Files.createDirectories(planted);
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));

    // the delta is written there, then read back by name for the upload: refused before either
    assertThatThrownBy(() -> new Deltas(store, planted).ensure("shop", "v1", "v2", Set.of()))
        .hasMessageContaining(planted.toString());
    assertThat(store.exists(StoreLayout.delta("shop", "v1", "v2"))).isFalse();
  }

  @Test
  void aDeltaCarriesWhatChangedAndRebuildsTheNewReleaseExactly() throws Exception {
    DeltaRecord record = deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"));

    // changed: index.html, js/main.js (new), app.js (link), bin/run (mode), uploads + a.png (fresh)
    assertThat(record.changed()).isEqualTo(6);
    assertThat(record.removed()).isEqualTo(1);
    assertThat(record.entries()).isEqualTo(record.changed() + record.unchanged());
    Path from = unpack("v1");
    Path out = tmp.resolve("release-v2-from-delta");
    Trees.applyDelta(from, deltaFile(), out);
    assertThat(Trees.describe(out)).isEqualTo(Trees.describe(v2));
  }

  @Test
  void theSameInputsGiveTheSameBytesAsBefore() throws Exception {
    DeltaRecord record = deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"));

    // measured with the first (whole-file) implementation: streaming must not change a byte
    assertThat(record.sha256())
        .isEqualTo("caab0e630c63b8c60704816e0b6386cc257c758bd5a8bdfbeb1584871324a6f8");
  }

  /**
   * Replaces {@code version}'s artifact (and its manifest when {@code withManifest}) in the store
   * by those of another tree, leaving build.json as it is: what someone with write access to the
   * store's files could do.
   */
  private void tamper(String version, Path tree, boolean withManifest) throws Exception {
    FsArtifactStore other =
        new FsArtifactStore(
            tmp.resolve("other-store-" + version),
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(
                "0123456789abcdef-test".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
    Artifacts.publish(other, "shop", version, tree, tmp.resolve("work"));
    store.put(
        StoreLayout.artifact("shop", version),
        other.readAllBytes(StoreLayout.artifact("shop", version)));
    if (withManifest) {
      store.put(
          StoreLayout.manifest("shop", version),
          other.readAllBytes(StoreLayout.manifest("shop", version)));
    }
  }

  private void assertNoDelta() {
    assertThat(store.exists(StoreLayout.delta("shop", "v1", "v2"))).isFalse();
    assertThat(store.exists(StoreLayout.deltaRecord("shop", "v1", "v2"))).isFalse();
  }

  @Test
  void aTamperedTargetArtifactAndManifestAreRefusedAndNoDeltaIsStored() throws Exception {
    Path evil = tmp.resolve("evil");
    Trees.write(evil, "public/index.html", "<script src=//evil.invalid/x.js></script>\n");
    tamper("v2", evil, true);
    String key = StoreLayout.manifest("shop", "v2");
    String stored = Hashing.sha256Hex(store.readAllBytes(key));

    assertThatThrownBy(() -> deltas().ensure("shop", "v1", "v2", Set.of("public/uploads")))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(key + " in the store has sha256 " + stored)
        .hasMessageContaining("the build record of shop v2 says " + v2Build.manifestSha256())
        .hasMessageContaining("no delta was made");
    assertNoDelta();
  }

  @Test
  void aTamperedTargetArtifactIsRefusedAndNoDeltaIsStored() throws Exception {
    Path evil = tmp.resolve("evil");
    Trees.write(evil, "public/index.html", "<script src=//evil.invalid/x.js></script>\n");
    tamper("v2", evil, false);
    String key = StoreLayout.artifact("shop", "v2");
    String stored = Hashing.sha256Hex(store.readAllBytes(key));

    assertThatThrownBy(() -> deltas().ensure("shop", "v1", "v2", Set.of("public/uploads")))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(key + " in the store has sha256 " + stored)
        .hasMessageContaining("the build record of shop v2 says " + v2Build.sha256());
    assertNoDelta();
  }

  @Test
  void aTamperedBaseArtifactIsRefused() throws Exception {
    Path evil = tmp.resolve("evil");
    Trees.write(evil, "public/index.html", "not v1\n");
    tamper("v1", evil, false);

    assertThatThrownBy(() -> deltas().ensure("shop", "v1", "v2", Set.of()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(StoreLayout.artifact("shop", "v1") + " in the store has sha256");
    assertNoDelta();
  }

  @Test
  void aTamperedManifestAloneIsRefused() throws Exception {
    String key = StoreLayout.manifest("shop", "v2");
    store.put(
        key,
        (new String(store.readAllBytes(key), StandardCharsets.UTF_8) + "")
            .replace("  public/index.html", "  public/other.html")
            .getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> deltas().ensure("shop", "v1", "v2", Set.of()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(key + " in the store has sha256")
        .hasMessageContaining("says " + v2Build.manifestSha256());
    assertNoDelta();
  }

  @Test
  void aCachedDeltaWhoseBytesChangedIsMadeAgainNotServed() throws Exception {
    DeltaRecord first = deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"));
    byte[] good = Files.readAllBytes(deltaFile());
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 0x55;
    Files.write(deltaFile(), bad);

    DeltaRecord again = deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"));

    assertThat(again).isEqualTo(first);
    assertThat(Hashing.sha256Hex(Files.readAllBytes(deltaFile()))).isEqualTo(first.sha256());
  }

  @Test
  void aCachedDeltaAndRecordBothReplacedAreMadeAgain() throws Exception {
    DeltaRecord first = deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"));
    // a delta made from other inputs, its record rewritten to match its bytes
    Path evil = tmp.resolve("evil");
    Trees.write(evil, "public/index.html", "evil\n");
    Trees.write(evil, ".tarmac-delta/unchanged.txt", "");
    Trees.write(evil, ".tarmac-delta/manifest.sha256", "");
    Artifacts.Packed packed =
        Artifacts.pack(evil, tmp.resolve("evil.tar.gz"), java.time.Instant.EPOCH);
    Files.copy(packed.file(), deltaFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    String record =
        new String(
            store.readAllBytes(StoreLayout.deltaRecord("shop", "v1", "v2")),
            StandardCharsets.UTF_8);
    store.put(
        StoreLayout.deltaRecord("shop", "v1", "v2"),
        record
            .replace(first.sha256(), packed.sha256())
            .replaceFirst("\"size\" : \\d+", "\"size\" : " + Files.size(packed.file()))
            .getBytes(StandardCharsets.UTF_8));

    DeltaRecord again = deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"));

    assertThat(again).isEqualTo(first);
    assertThat(Hashing.sha256Hex(Files.readAllBytes(deltaFile()))).isEqualTo(first.sha256());
  }

  @Test
  void aRecordMadeWithoutItsInputsIsMadeAgain() throws Exception {
    DeltaRecord first = deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"));
    // as written before deltas recorded their inputs
    store.put(
        StoreLayout.deltaRecord("shop", "v1", "v2"),
        Json.write(
            java.util.Map.of(
                "app",
                "shop",
                "from",
                "v1",
                "to",
                "v2",
                "sha256",
                first.sha256(),
                "size",
                first.size())));

    assertThat(deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"))).isEqualTo(first);
    assertThat(
            Json.read(
                store.readAllBytes(StoreLayout.deltaRecord("shop", "v1", "v2")), DeltaRecord.class))
        .isEqualTo(first);
  }

  @Test
  void oneServiceChecksAgainADeltaWhoseSizeChangedOrWhoseTrustExpired() throws Exception {
    Deltas strict =
        new Deltas(store, tmp.resolve("deltas-tmp"), Clock.systemUTC(), java.time.Duration.ZERO);
    Deltas trusting = deltas();
    DeltaRecord first = trusting.ensure("shop", "v1", "v2", Set.of("public/uploads"));
    byte[] good = Files.readAllBytes(deltaFile());

    // a different size is seen at once, even within the minute of trust
    Files.write(deltaFile(), java.util.Arrays.copyOf(good, good.length - 7));
    assertThat(trusting.ensure("shop", "v1", "v2", Set.of("public/uploads"))).isEqualTo(first);
    assertThat(Files.readAllBytes(deltaFile())).isEqualTo(good);

    // the same size with other bytes: read whole again once the trust has expired
    strict.ensure("shop", "v1", "v2", Set.of("public/uploads"));
    byte[] bad = good.clone();
    bad[bad.length / 3] ^= 0x01;
    Files.write(deltaFile(), bad);
    assertThat(strict.ensure("shop", "v1", "v2", Set.of("public/uploads"))).isEqualTo(first);
    assertThat(Files.readAllBytes(deltaFile())).isEqualTo(good);
  }

  @Test
  void otherSharedPathsMakeAnotherDelta() throws Exception {
    DeltaRecord withShared = deltas().ensure("shop", "v1", "v2", Set.of("public/uploads"));
    DeltaRecord without = deltas().ensure("shop", "v1", "v2", Set.of());

    assertThat(without.fresh()).isEmpty();
    assertThat(without.changed()).isEqualTo(withShared.changed() - 2);
    Trees.applyDelta(unpack("v1"), deltaFile(), tmp.resolve("out"));
    assertThat(Trees.describe(tmp.resolve("out"))).isEqualTo(Trees.describe(v2));
  }

  @Test
  void aBuildRecordCopiedFromAnotherVersionIsRefused() throws Exception {
    store.put(
        StoreLayout.buildRecord("shop", "v1"),
        store.readAllBytes(StoreLayout.buildRecord("shop", "v2")));

    assertThatThrownBy(() -> deltas().ensure("shop", "v1", "v2", Set.of()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(
            StoreLayout.buildRecord("shop", "v1") + " is the record of shop v2, not of shop v1");
    assertNoDelta();
  }
}
