package dev.tarmac.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run the build service in the foreground (embedded store under the data directory).",
    footer = {
      "",
      "The first start writes an admin token to <data-dir>/api-token (mode 600); later starts keep"
          + " it. tarmac reads it from there (TARMAC_DATA_DIR names another data directory).",
      "",
      "--host 0.0.0.0 listens on every interface; then set TARMAC_PUBLIC_URL to the address"
          + " your servers reach the service at (signed download URLs point there).",
      "",
      "Example:",
      "  tarmac serve --port 8080 --data-dir ~/.local/share/tarmac",
      "  TARMAC_PUBLIC_URL=http://10.0.0.5:8080 tarmac serve --host 10.0.0.5"
    })
public final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "HTTP port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(
      names = "--host",
      paramLabel = "ADDR",
      description =
          "address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one"
              + " of this machine's addresses (default: QUARKUS_HTTP_HOST, else 127.0.0.1)")
  String host;

  @Option(
      names = "--data-dir",
      description =
          "where builds, the store, git mirrors and the tokens live (default: TARMAC_DATA_DIR, or"
              + " ~/.local/share/tarmac)")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Path data = (dataDir != null ? dataDir : ClientOptions.defaultDataDir()).toAbsolutePath();
    String listen = ServiceProcess.listenAddress(host);
    checkCanListen(listen, port);
    try (ServiceProcess service =
        ServiceProcess.start(data, listen, port, List.of(), data.resolve("service.log"))) {
      System.out.println(
          "Tarmac service on "
              + service.url()
              + " (data in "
              + data
              + ", log "
              + service.log()
              + ")");
      System.out.println(isolationLine(buildIsolation(service)));
      Path tokenFile = data.resolve("api-token");
      if (!java.nio.file.Files.exists(tokenFile)) {
        System.out.println("Admin token: TARMAC_API_TOKEN, as set in the environment");
      } else if (data.equals(ClientOptions.defaultDataDir().toAbsolutePath())) {
        System.out.println(
            "Admin token: "
                + tokenFile
                + " (tarmac reads it from there; make more with `tarmac tokens create`)");
      } else {
        System.out.println(
            "Admin token: "
                + tokenFile
                + "; for tarmac: export TARMAC_URL="
                + service.url()
                + " TARMAC_DATA_DIR="
                + data);
      }
      if (!java.net.InetAddress.getByName(listen).isLoopbackAddress()
          && System.getenv("TARMAC_PUBLIC_URL") == null) {
        System.out.println(
            "Listening on "
                + listen
                + "; servers download from "
                + service.url()
                + " unless TARMAC_PUBLIC_URL says otherwise");
      }
      Runtime.getRuntime().addShutdownHook(new Thread(service::close));
      service.waitFor();
    }
    return 0;
  }

  /**
   * The build isolation the service decided at start, as {@code /q/health/live} says it (the "build
   * isolation" check), or null with the reason when it cannot be read.
   */
  static String buildIsolation(ServiceProcess service) {
    try {
      for (com.fasterxml.jackson.databind.JsonNode check :
          new ApiClient(service.url(), null).get("/q/health/live").path("checks")) {
        if (check.path("name").asText().equals("build isolation")) {
          return check.path("data").path("isolation").asText(null);
        }
      }
      return null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static final String INSTALL =
      "install bubblewrap and keyutils (Debian: apt-get install bubblewrap keyutils) and set"
          + " tarmac.build.isolation=auto";

  /**
   * One line naming the isolation builds get (docs/architecture.md, "Build isolation"): bubblewrap
   * (the strongest), setpriv or none, and what to install when it is not bubblewrap; or why builds
   * are refused. {@code isolation} is the service's own description (null: not known).
   */
  static String isolationLine(String isolation) {
    if (isolation == null) {
      return "Build isolation: not known (GET /q/health/live did not say); the service's log names"
          + " it";
    }
    String memory =
        isolation.contains("memory: NOT limited per build")
            ? "; memory NOT limited per build (/q/health says why)"
            : "";
    if (isolation.startsWith("bubblewrap")) {
      return "Build isolation: bubblewrap"
          + (isolation.contains("as a uid of its own per build")
              ? ", a uid of its own per build"
              : ", as the service's own user (not root: no uid of its own per build)")
          + memory;
    }
    if (isolation.startsWith("setpriv")) {
      return "Build isolation: setpriv (tarmac.build.isolation=user: a uid of its own per build, no"
          + " namespaces)"
          + memory
          + "; for more, "
          + INSTALL;
    }
    if (isolation.startsWith("none")) {
      return "Build isolation: none (tarmac.build.isolation=none: the service's own user)"
          + memory
          + "; for more, "
          + INSTALL;
    }
    if (isolation.startsWith("builds refused: ")) {
      return "Build isolation: none; every build is refused: "
          + isolation.substring("builds refused: ".length());
    }
    return "Build isolation: " + isolation;
  }

  /** Fails with a message naming {@code --host}/{@code --port} when the address cannot be used. */
  static void checkCanListen(String host, int port) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(host), port));
    } catch (java.io.IOException | SecurityException e) {
      throw new CliException(
          CliException.CONFIG,
          "cannot listen on --host "
              + host
              + " --port "
              + port
              + " ("
              + e.getMessage()
              + "); give 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this"
              + " machine's addresses, and a port no other program uses");
    }
  }
}
