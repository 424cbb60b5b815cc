package dev.tarmac.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's web servers: one per host on a loopback port, serving that host's {@code
 * current/public} (resolved on every request, so a switch of {@code current} shows at once).
 */
final class HostWebServers implements ServedHosts {
  private final Map<String, HttpServer> servers = new LinkedHashMap<>();

  HostWebServers(Map<String, Path> deployTo) throws IOException {
    for (Map.Entry<String, Path> host : deployTo.entrySet()) {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      Path publicDir = host.getValue().resolve("current/public");
      server.createContext("/", exchange -> serve(exchange, publicDir));
      server.start();
      servers.put(host.getKey(), server);
    }
  }

  @Override
  public List<String> hosts() {
    return List.copyOf(servers.keySet());
  }

  @Override
  public URI url(String host) {
    return URI.create("http://127.0.0.1:" + servers.get(host).getAddress().getPort() + "/");
  }

  private static void serve(HttpExchange exchange, Path publicDir) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (path.endsWith("/")) {
        path += "index.html";
      }
      Path file = publicDir.resolve(path.substring(1)).normalize();
      if (!file.startsWith(publicDir) || !Files.isRegularFile(file)) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] body = Files.readAllBytes(file);
      String type =
          path.endsWith(".html")
              ? "text/html; charset=utf-8"
              : path.endsWith(".css")
                  ? "text/css"
                  : path.endsWith(".js") ? "text/javascript" : "application/octet-stream";
      exchange.getResponseHeaders().add("Content-Type", type);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    servers.values().forEach(s -> s.stop(0));
  }
}
