package dev.tarmac.distributor.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.distributor.model.StoreLayout;
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
    Artifacts.publish(store, "shop", "v2", v2, tmp.resolve("work"));
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
}
