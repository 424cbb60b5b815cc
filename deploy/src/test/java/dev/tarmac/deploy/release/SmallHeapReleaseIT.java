package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.TestBuilds;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An app with a 1 GB file whose next version changes one byte of it, released by a service whose
 * heap is 256 MB: the delta is made by streaming (memory independent of the file's size), the
 * release succeeds by delta, and the host's file is exactly the new one.
 */
class SmallHeapReleaseIT {
  static final long GIB = 1L << 30;

  @Test
  void aOneGigabyteFileIsReleasedByDeltaWithA256MegabyteHeap() throws Exception {
    Path work = DeployFixture.workDir("small-heap-");
    Path host = work.resolve("host");
    String config =
        "app: big\nenvironments:\n  prod:\n    hosts:\n"
            + "      - { name: web1, address: local, deploy_to: "
            + host
            + " }\n";
    Path store;
    try (DeployFixture fx = new DeployFixture(work.resolve("fx"), (h, e) -> null)) {
      store = fx.dir.resolve("store");
      for (String v : new String[] {"v1", "v2"}) {
        Path tree = TestBuilds.sampleTree(Files.createDirectories(work.resolve("tree-" + v)), v);
        Files.writeString(tree.resolve("tarmac.yml"), config);
        Path big = Files.createDirectories(tree.resolve("data")).resolve("big.bin");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
          f.setLength(GIB); // sparse: a gigabyte of zeros that takes no disk
          f.seek(GIB / 2);
          f.write(v.getBytes(StandardCharsets.US_ASCII));
        }
        TestBuilds.publish(fx.store, "big", v, tree, config);
        TestBuilds.deleteTree(tree);
      }
    }
    Process service =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                SmallHeapRelease.class.getName(),
                store.toString(),
                "v1",
                "v2")
            .redirectErrorStream(true)
            .start();
    String out = new String(service.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(service.waitFor(5, TimeUnit.MINUTES)).isTrue();
    System.out.println(out);
    assertThat(service.exitValue()).as(out).isZero();
    assertThat(out)
        .contains("v1 LIVE web1 full")
        .containsPattern("v2 LIVE web1 delta [0-9]+")
        .contains("max heap 256 MB");
    long deltaBytes = Long.parseLong(out.replaceAll("(?s).*v2 LIVE web1 delta ([0-9]+).*", "$1"));
    assertThat(deltaBytes).isLessThan(20_000_000); // a megabyte or so: the zeros compress
    assertThat(Files.readSymbolicLink(host.resolve("current")).toString()).isEqualTo("releases/v2");
    Path big = host.resolve("releases/v2/data/big.bin");
    assertThat(Files.size(big)).isEqualTo(GIB);
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "r")) {
      f.seek(GIB / 2);
      byte[] two = new byte[2];
      f.readFully(two);
      assertThat(new String(two, StandardCharsets.US_ASCII)).isEqualTo("v2");
    }
    TestBuilds.deleteTree(work);
  }
}
