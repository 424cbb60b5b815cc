// The sample app's server (release.processes.web in tarmac.yml): `java server/Server.java`, run by
// the host's supervisord in the release's directory, one per release. It serves the release's own
// public/ on 127.0.0.1:$PORT and answers /health with its version; the JDK compiles this file
// first, so it takes a second or two to start — before the switch, where that costs no visitor
// anything (docs/processes.md).
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;

public class Server {
  private static final Map<String, String> TYPES =
      Map.of("html", "text/html; charset=utf-8", "css", "text/css", "js", "text/javascript");

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv("PORT"));
    String version = System.getenv("TARMAC_VERSION");
    Path site = Path.of("public").toAbsolutePath().normalize();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/health",
        exchange ->
            answer(exchange, 200, "text/plain", ("demo " + version + "\n").getBytes(StandardCharsets.UTF_8)));
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          Path file = site.resolve((path.endsWith("/") ? path + "index.html" : path).substring(1));
          file = file.normalize();
          if (!file.startsWith(site) || !Files.isRegularFile(file)) {
            answer(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            return;
          }
          String name = file.getFileName().toString();
          String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
          answer(exchange, 200, type, Files.readAllBytes(file));
        });
    server.start();
    System.out.println("demo " + version + " serving " + site + " on 127.0.0.1:" + port);
  }

  private static void answer(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    try (exchange) {
      exchange.getResponseHeaders().add("Content-Type", type);
      exchange.getResponseHeaders().add("X-Release", System.getenv("TARMAC_VERSION"));
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    }
  }
}
