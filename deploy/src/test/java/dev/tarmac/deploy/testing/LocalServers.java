package dev.tarmac.deploy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Servers a test starts on loopback and stops by its own process handle: nginx (Debian's package,
 * with the given {@code server} blocks), or any daemon run in the foreground (Varnish).
 */
public final class LocalServers {
  private LocalServers() {}

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /** Starts {@code command} in the foreground, its output into {@code log}. */
  public static Process start(Path log, String... command) throws IOException {
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /** nginx in the foreground under {@code dir} with {@code servers} (whole server blocks). */
  public static Process nginx(Path dir, String servers) throws IOException {
    Files.createDirectories(dir.resolve("tmp"));
    String tmp = dir.resolve("tmp").toString();
    StringBuilder temps = new StringBuilder();
    for (String kind : new String[] {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      temps.append("  ").append(kind).append("_temp_path ").append(tmp).append('/').append(kind);
      temps.append(";\n");
    }
    Files.writeString(
        dir.resolve("nginx.conf"),
        "daemon off;\nuser root;\nworker_processes 1;\npid "
            + dir.resolve("nginx.pid")
            + ";\nerror_log "
            + dir.resolve("error.log")
            + " warn;\nevents { worker_connections 512; }\nhttp {\n  access_log off;\n"
            + temps
            + servers
            + "}\n");
    return start(
        dir.resolve("nginx.out"),
        "/usr/sbin/nginx",
        "-p",
        dir.toString(),
        "-e",
        dir.resolve("error.log").toString(),
        "-c",
        dir.resolve("nginx.conf").toString());
  }

  /** Waits until {@code port} on 127.0.0.1 accepts; fails with {@code log} if the process died. */
  public static void waitForPort(int port, Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "did not start on port " + port + ": " + Files.readString(log));
        }
        Thread.sleep(20);
      }
    }
  }

  /** Stops the process and its children, by their handles. */
  public static void stop(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
