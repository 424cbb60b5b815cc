package dev.tarmac.builder.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Git's smart HTTP protocol served by the real {@code git http-backend} (as CGI, one process per
 * request) behind HTTP Basic authentication, on a random port of 127.0.0.1: a private repository
 * host that accepts only {@code user:token}.
 */
public final class GitHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final Path root;
  private final String expected;
  private final List<String> refused = new CopyOnWriteArrayList<>();

  /** Serves the repositories under {@code root} at {@code /git/<name>} to {@code user:token}. */
  public GitHttpServer(Path root, String user, String token) throws IOException {
    this.root = root;
    this.expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + token).getBytes(StandardCharsets.UTF_8));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/git/", this::handle);
    server.start();
  }

  public String url(String repo) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/git/" + repo;
  }

  /** The Authorization headers refused so far ("none" for a request without one). */
  public List<String> refused() {
    return refused;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (!expected.equals(auth)) {
        refused.add(auth == null ? "none" : auth);
        ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
        ex.sendResponseHeaders(401, -1);
        return;
      }
      ProcessBuilder pb = new ProcessBuilder("git", "http-backend");
      Map<String, String> env = pb.environment();
      env.put("GIT_PROJECT_ROOT", root.toString());
      env.put("GIT_HTTP_EXPORT_ALL", "1");
      env.put("REQUEST_METHOD", ex.getRequestMethod());
      env.put("PATH_INFO", ex.getRequestURI().getPath().substring("/git".length()));
      env.put(
          "QUERY_STRING",
          ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery());
      env.put("REMOTE_USER", "tester");
      env.put("REMOTE_ADDR", "127.0.0.1");
      header(ex, "Content-Type", env, "CONTENT_TYPE");
      header(ex, "Content-Encoding", env, "HTTP_CONTENT_ENCODING");
      header(ex, "Git-Protocol", env, "GIT_PROTOCOL");
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = pb.start();
      Thread feed =
          new Thread(
              () -> {
                try (OutputStream in = p.getOutputStream();
                    InputStream body = ex.getRequestBody()) {
                  body.transferTo(in);
                } catch (IOException e) {
                  // the backend stopped reading
                }
              });
      feed.start();
      InputStream out = p.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int status = 200;
      // CGI headers up to the blank line
      String line;
      while (!(line = readLine(out, head)).isEmpty()) {
        int colon = line.indexOf(':');
        String name = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("Status")) {
          status = Integer.parseInt(value.substring(0, 3));
        } else {
          ex.getResponseHeaders().add(name, value);
        }
      }
      ex.sendResponseHeaders(status, 0);
      try (OutputStream body = ex.getResponseBody()) {
        out.transferTo(body);
      }
      p.waitFor();
      feed.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void header(HttpExchange ex, String name, Map<String, String> env, String var) {
    String value = ex.getRequestHeaders().getFirst(name);
    if (value != null) {
      env.put(var, value);
    }
  }

  private static String readLine(InputStream in, ByteArrayOutputStream buf) throws IOException {
    buf.reset();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) {
      if (c != '\r') {
        buf.write(c);
      }
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
