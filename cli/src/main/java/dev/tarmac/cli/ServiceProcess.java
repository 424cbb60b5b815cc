package dev.tarmac.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The build service run as a child process (`tarmac serve`, `tarmac demo`). */
public final class ServiceProcess implements AutoCloseable {
  private final Process process;
  private final URI url;
  private final Path log;
  private final String token;

  private ServiceProcess(Process process, URI url, Path log, String token) {
    this.process = process;
    this.url = url;
    this.log = log;
    this.token = token;
  }

  /** The service's runnable jar: {@code tarmac.service.jar}, or the one built in this checkout. */
  static Path serviceJar() {
    String configured = System.getProperty("tarmac.service.jar");
    Path jar =
        configured != null
            ? Path.of(configured)
            : Path.of(System.getProperty("tarmac.home", "."))
                .resolve("builder/target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new CliException(
          CliException.CONFIG,
          "the service is not built ("
              + jar
              + " is missing); run ./tarmac from the repository, which builds it, or ./mvnw package");
    }
    return jar;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * Starts the service on a loopback port with {@code properties}, and waits until it answers and
   * its admin token is in {@code <dataDir>/api-token} (written on the first start, read back on the
   * next ones). The token is never on the command line (where {@code ps} shows it): the service
   * makes it, or takes {@code TARMAC_API_TOKEN} from the environment this process passes on.
   */
  public static ServiceProcess start(Path dataDir, int port, List<String> properties, Path log)
      throws IOException, InterruptedException {
    return start(dataDir, null, port, properties, log);
  }

  /**
   * As {@link #start(Path, int, List, Path)}, listening on {@code host} ({@code tarmac serve
   * --host}); null: {@code QUARKUS_HTTP_HOST} from the environment, else 127.0.0.1.
   */
  public static ServiceProcess start(
      Path dataDir, String host, int port, List<String> properties, Path log)
      throws IOException, InterruptedException {
    if (!Files.isDirectory(dataDir)) {
      // the service's alone, whatever the umask (docs/operations.md, "Data directory")
      Files.createDirectories(dataDir.getParent());
      Files.createDirectory(
          dataDir,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    }
    java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
        Files.getPosixFilePermissions(dataDir);
    if (perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
        || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
      // the service refuses it too (ServiceConfig.keepPrivate); said here without its stack trace
      throw new CliException(
          CliException.CONFIG,
          "the data dir "
              + dataDir
              + " is writable by other users (mode "
              + java.nio.file.attribute.PosixFilePermissions.toString(perms)
              + "): they could replace its builds, secrets and tokens. Check nothing in it was"
              + " changed, then chmod 700 "
              + dataDir);
    }
    Files.createDirectories(log.getParent());
    String listen = listenAddress(host);
    URI url = URI.create("http://" + urlHost(reachable(listen)) + ":" + port);
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtarmac.data-dir=" + dataDir,
                "-Dquarkus.http.host=" + listen,
                "-Dquarkus.http.port=" + port));
    // how servers reach it (signed URLs of the embedded store): TARMAC_PUBLIC_URL when set
    if (System.getenv("TARMAC_PUBLIC_URL") == null) {
      command.add("-Dtarmac.public-url=" + url);
    }
    properties.forEach(p -> command.add("-D" + p));
    command.addAll(List.of("-jar", serviceJar().toString()));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ServiceProcess starting = new ServiceProcess(process, url, log, null);
    ApiClient client = new ApiClient(url, null);
    Path tokenFile = dataDir.resolve("api-token");
    String configured = System.getenv("TARMAC_API_TOKEN");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!client.reachable()
        || (configured == null || configured.isBlank()) && !Files.exists(tokenFile)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        starting.close();
        throw new CliException(
            CliException.UNREACHABLE,
            "the service did not start; its log is " + log + ":\n" + tail(log));
      }
      Thread.sleep(100);
    }
    String token =
        Files.exists(tokenFile) ? Files.readString(tokenFile).strip() : configured.strip();
    return new ServiceProcess(process, url, log, token);
  }

  /** Where the service listens: {@code host}, else {@code QUARKUS_HTTP_HOST}, else loopback. */
  static String listenAddress(String host) {
    if (host != null && !host.isBlank()) {
      return host.strip();
    }
    String env = System.getenv("QUARKUS_HTTP_HOST");
    return env != null && !env.isBlank() ? env.strip() : "127.0.0.1";
  }

  /** The address this machine reaches a service listening on {@code listen} at. */
  static String reachable(String listen) {
    String bare = listen.replaceAll("^\\[|\\]$", "");
    return bare.equals("0.0.0.0") || bare.equals("::") || bare.equals("0:0:0:0:0:0:0:0")
        ? "127.0.0.1"
        : bare;
  }

  /** {@code address} as the host part of a URL (an IPv6 literal in brackets). */
  static String urlHost(String address) {
    return address.contains(":") ? "[" + address + "]" : address;
  }

  static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }

  public URI url() {
    return url;
  }

  public Path log() {
    return log;
  }

  /** The service's admin token (from its {@code api-token} file), for this process's own calls. */
  public String token() {
    return token;
  }

  public void waitFor() throws InterruptedException {
    process.waitFor();
  }

  /** Kills the service at once (as a crash would), and waits for it to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
