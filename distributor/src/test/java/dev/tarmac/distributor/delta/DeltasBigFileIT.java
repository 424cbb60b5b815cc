package dev.tarmac.distributor.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import dev.tarmac.distributor.testing.Artifacts;
import dev.tarmac.distributor.testing.Trees;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delta between two artifacts holding a 1 GB file that differs in a few bytes, made in a JVM
 * limited to 256 MB of heap (docs/benchmarks.md quotes its figures), then applied with tar and
 * sha256sum as a host does.
 */
class DeltasBigFileIT {
  static final long GB = 1L << 30;

  /** The forked JVM's heap limit; {@code -Dtarmac.delta-heap=32m} measures a smaller one. */
  static final String HEAP = System.getProperty("tarmac.delta-heap", "256m");

  @TempDir Path tmp;

  private static void sparse(Path file, long size, long offset, String text) throws Exception {
    Files.createDirectories(file.getParent());
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size);
      f.seek(offset);
      f.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aOneGigabyteFileMakesADeltaIn256MegabytesOfHeap() throws Exception {
    Path storeDir = tmp.resolve("store");
    FsArtifactStore store =
        new FsArtifactStore(
            storeDir,
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(
                "0123456789abcdef-test".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
    Path v1 = tmp.resolve("v1");
    sparse(v1.resolve("data/big.bin"), GB, 1000, "first");
    Trees.write(v1, "public/index.html", "v1\n");
    Trees.write(v1, "public/same.txt", "same\n");
    Artifacts.publish(store, "big", "v1", v1, tmp.resolve("work"), 1);
    Path v2 = tmp.resolve("v2");
    sparse(v2.resolve("data/big.bin"), GB, GB / 2, "second");
    Trees.write(v2, "public/index.html", "v2\n");
    Trees.write(v2, "public/same.txt", "same\n");
    Artifacts.publish(store, "big", "v2", v2, tmp.resolve("work"), 1);

    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + HEAP,
                "-Djava.io.tmpdir=" + tmp,
                "-cp",
                System.getProperty("java.class.path"),
                MakeDelta.class.getName(),
                storeDir.toString(),
                "big",
                "v1",
                "v2",
                tmp.resolve("deltas-tmp").toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    System.out.println(output);
    List<String> lines = output.lines().toList();
    assertThat(lines).anyMatch(l -> l.startsWith("max-heap-bytes "));
    long maxHeap =
        Long.parseLong(
            lines.stream()
                .filter(l -> l.startsWith("max-heap-bytes "))
                .findFirst()
                .orElseThrow()
                .split(" ")[1]);
    assertThat(maxHeap).isLessThanOrEqualTo(256L << 20);
    String json = output.substring(output.indexOf('{'), output.lastIndexOf('}') + 1);
    DeltaRecord record = Json.read(json.getBytes(StandardCharsets.UTF_8), DeltaRecord.class);
    assertThat(record.size()).isLessThan(GB / 100);
    assertThat(record.changed()).isEqualTo(2); // data/big.bin, public/index.html
    assertThat(record.unchanged()).isEqualTo(3); // data, public, public/same.txt

    // the host's copy of v1: the tree v1 was packed from (its big file stays sparse; the delta
    // carries the new one, so only the small unchanged files are copied from here)
    Path from = v1;
    Path out = tmp.resolve("releases/v2");
    Trees.applyDelta(from, store.path(StoreLayout.delta("big", "v1", "v2")), out);
    assertThat(Files.size(out.resolve("data/big.bin"))).isEqualTo(GB);
    assertThat(Files.readString(out.resolve("public/same.txt"))).isEqualTo("same\n");
  }
}
