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
      "Example:",
      "  tarmac serve --port 8080 --data-dir ~/.local/share/tarmac"
    })
public final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "HTTP port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
  int port;

  @Option(
      names = "--data-dir",
      description =
          "where builds, the store, git mirrors and the tokens live (default: TARMAC_DATA_DIR, or"
              + " ~/.local/share/tarmac)")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Path data = (dataDir != null ? dataDir : ClientOptions.defaultDataDir()).toAbsolutePath();
    try (ServiceProcess service =
        ServiceProcess.start(data, port, List.of(), data.resolve("service.log"))) {
      System.out.println(
          "Tarmac service on "
              + service.url()
              + " (data in "
              + data
              + ", log "
              + service.log()
              + ")");
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
      Runtime.getRuntime().addShutdownHook(new Thread(service::close));
      service.waitFor();
    }
    return 0;
  }
}
