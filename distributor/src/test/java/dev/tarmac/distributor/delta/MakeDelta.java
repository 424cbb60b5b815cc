package dev.tarmac.distributor.delta;

import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;

/**
 * Makes one delta in a JVM of its own, as a service would: {@code MakeDelta <store-dir> <app>
 * <from> <to> <tmp-dir>}. Prints the record, the peak heap used and the time taken. Started by
 * {@link DeltasBigFileIT} with {@code -Xmx256m}.
 */
public final class MakeDelta {
  private MakeDelta() {}

  public static void main(String[] args) {
    FsArtifactStore store =
        new FsArtifactStore(
            Path.of(args[0]),
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(
                "0123456789abcdef-test".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
    long start = System.nanoTime();
    DeltaRecord record =
        new Deltas(store, Path.of(args[4])).ensure(args[1], args[2], args[3], Set.of());
    long took = (System.nanoTime() - start) / 1_000_000;
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.println(new String(Json.write(record), StandardCharsets.UTF_8));
    System.out.println("max-heap-bytes " + Runtime.getRuntime().maxMemory());
    System.out.println("peak-heap-bytes " + peak);
    System.out.println("took-ms " + took);
  }
}
