package dev.tarmac.builder.bench;

import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** What the build benchmarks share: the machine as their figures note it, and a store. */
final class BenchSetup {
  private BenchSetup() {}

  /** A filesystem store under {@code dir}; nothing is served from it. */
  static FsArtifactStore store(Path dir) {
    return new FsArtifactStore(
        dir,
        URI.create("http://127.0.0.1:1"),
        new UrlSigner("benchmark-signing-key".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
  }

  /**
   * The machine, e.g. "2 cores, OpenJDK 64-Bit Server VM 17.0.15, load average 1.52 1.31 1.20 at
   * start".
   */
  static String machine() {
    String load;
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      load = ", load average " + fields[0] + " " + fields[1] + " " + fields[2] + " at start";
    } catch (Exception e) {
      load = "";
    }
    return Runtime.getRuntime().availableProcessors()
        + " cores, "
        + System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.version")
        + load;
  }
}
