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
    Files.createDirectories(log.getParent());
    URI url = URI.create("http://127.0.0.1:" + port);
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtarmac.data-dir=" + dataDir,
                "-Dquarkus.http.port=" + port));
    // where it listens and how servers reach it: loopback unless the environment says otherwise
    // (QUARKUS_HTTP_HOST, TARMAC_PUBLIC_URL), as a real setup with the embedded store needs
    if (System.getenv("QUARKUS_HTTP_HOST") == null) {
      command.add("-Dquarkus.http.host=127.0.0.1");
    }
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
