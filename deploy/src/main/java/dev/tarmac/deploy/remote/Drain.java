package dev.tarmac.deploy.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Reads a command's output stream to the end on a daemon thread, so neither stream can block. */
final class Drain {
  private static final int LIMIT = 1 << 20;
  private static final ExecutorService READERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "tarmac-output-reader");
            t.setDaemon(true);
            return t;
          });

  private Drain() {}

  static CompletableFuture<String> start(InputStream in) {
    return CompletableFuture.supplyAsync(() -> read(in), READERS);
  }

  /** Keeps the first MiB; the rest is read and dropped so the command never blocks on output. */
  private static String read(InputStream in) {
    try (in) {
      byte[] kept = in.readNBytes(LIMIT);
      long dropped = in.transferTo(java.io.OutputStream.nullOutputStream());
      String text = new String(kept, StandardCharsets.UTF_8);
      return dropped > 0 ? text + "\n[" + dropped + " more bytes of output dropped]" : text;
    } catch (IOException e) {
      return "[output unreadable: " + e.getMessage() + "]";
    }
  }

  static String await(CompletableFuture<String> output) {
    try {
      return output.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return "[output not read: " + e + "]";
    }
  }
}
