package dev.tarmac.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * What install.sh runs once under {@code -XX:ArchiveClassesAtExit} to make the class-data archive
 * (docs/cli.md, "Installing"): a few typical calls (tables from JSON over HTTP, help, version)
 * against a throwaway HTTP server on loopback, so the archive holds the classes they load.
 */
@Command(
    name = "cds-training",
    hidden = true,
    description = "Run typical calls against a local stand-in (install.sh makes lib/tarmac.jsa).")
public final class CdsTrainingCommand implements Callable<Integer> {
  private static final Map<String, String> ANSWERS =
      Map.of(
          "/api/apps/app/builds",
          "[{\"version\":\"v1\",\"status\":\"SUCCEEDED\",\"commit\":\"0123456789abcdef\","
              + "\"size\":1,\"finishedAt\":\"2026-01-01T00:00:00Z\"}]",
          "/api/apps/app/envs/env/releases",
          "[{\"id\":1,\"kind\":\"release\",\"version\":\"v1\",\"status\":\"LIVE\",\"who\":\"a\","
              + "\"startedAt\":\"2026-01-01T00:00:00Z\",\"activationWindowMs\":3}]",
          "/api/apps/app/envs/env/status",
          "{\"recorded\":\"v1\",\"hosts\":[{\"name\":\"web1\",\"live\":\"v1\",\"revision\":\"x\","
              + "\"releases\":[\"v1\"],\"drift\":false,\"error\":null}]}",
          "/api/apps",
          "[{\"name\":\"app\",\"repo\":\"file:///x\"}]");

  @Override
  public Integer call() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body = ANSWERS.getOrDefault(exchange.getRequestURI().getPath(), "[]");
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      String[][] calls = {
        {"--version"},
        {"--help"},
        {"builds", "app"},
        {"history", "app", "--env", "env"},
        {"status", "app", "--env", "env"},
        {"apps", "list"},
        {"builds", "app", "--json"},
      };
      for (String[] call : calls) {
        String[] args = call;
        if (call.length > 1 || !call[0].startsWith("--")) {
          args = java.util.Arrays.copyOf(call, call.length + 4);
          args[call.length] = "--url";
          args[call.length + 1] = url;
          args[call.length + 2] = "--token";
          args[call.length + 3] = "training";
        }
        Main.commandLine(args).execute(args);
      }
    } finally {
      server.stop(0);
    }
    return 0;
  }
}
