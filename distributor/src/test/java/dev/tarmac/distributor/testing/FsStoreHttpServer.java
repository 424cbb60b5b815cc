package dev.tarmac.distributor.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tarmac.distributor.store.ByteRange;
import dev.tarmac.distributor.store.StoreNotFoundException;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Serves an {@link FsArtifactStore}'s signed URLs on loopback, as the service's store endpoint
 * does, for tests that run without Quarkus. GET (with a {@code Range: bytes=N-} header) and PUT.
 */
public final class FsStoreHttpServer implements AutoCloseable {
  private final HttpServer server;
  private FsArtifactStore store;
  private volatile long bytesPerSecond;

  public FsStoreHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(UrlSigner.PATH, this::handle);
    // one thread per download, as the service serves many hosts at once
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public void serve(FsArtifactStore store) {
    this.store = store;
  }

  /**
   * Sends each download at most {@code bytesPerSecond} (0: unlimited): every host gets its own
   * limited link, as over a real network.
   */
  public void throttle(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      respond(exchange);
    }
  }

  private void respond(HttpExchange exchange) throws IOException {
    try {
      String key = exchange.getRequestURI().getPath().substring(UrlSigner.PATH.length());
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      String method = exchange.getRequestMethod();
      String refusal =
          store
              .signer()
              .refusal(
                  method, query.get("method"), key, query.get("expires"), query.get("signature"));
      if (refusal != null) {
        byte[] body = refusal.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(403, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      if (method.equals("PUT")) {
        store.put(key, exchange.getRequestBody());
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      long size = store.stat(key).orElseThrow(() -> new StoreNotFoundException(key)).size();
      long offset = 0;
      String range = exchange.getRequestHeaders().getFirst("Range");
      if (range != null && range.matches("bytes=\\d+-")) {
        offset = Long.parseLong(range.substring(6, range.length() - 1));
      }
      if (offset > 0) {
        exchange
            .getResponseHeaders()
            .add("Content-Range", "bytes " + offset + "-" + (size - 1) + "/" + size);
      }
      exchange.sendResponseHeaders(offset > 0 ? 206 : 200, size - offset);
      try (InputStream in = store.get(key, ByteRange.from(offset));
          OutputStream out = exchange.getResponseBody()) {
        copy(in, out);
      }
    } catch (StoreNotFoundException e) {
      exchange.sendResponseHeaders(404, -1);
    }
  }

  private void copy(InputStream in, OutputStream out) throws IOException {
    long limit = bytesPerSecond;
    if (limit <= 0) {
      in.transferTo(out);
      return;
    }
    byte[] buffer = new byte[16 * 1024];
    long sent = 0;
    long start = System.nanoTime();
    for (int n; (n = in.read(buffer)) > 0; ) {
      out.write(buffer, 0, n);
      sent += n;
      long due = start + sent * 1_000_000_000L / limit;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(
              pair.substring(0, eq),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
