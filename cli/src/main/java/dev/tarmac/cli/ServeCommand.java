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
    footer = {"", "Example:", "  tarmac serve --port 8080 --data-dir ~/.local/share/tarmac"})
public final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "HTTP port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
  int port;

  @Option(
      names = "--data-dir",
      description = "where builds, the store and git mirrors live (default: ~/.local/share/tarmac)")
  Path dataDir;

  @Option(
      names = "--token",
      description = "API token for mutating calls (default: tarmac.api-token, or generated once)")
  String token;

  @Override
  public Integer call() throws Exception {
    Path data =
        dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".local/share/tarmac");
    String apiToken =
        token != null
            ? token
            : System.getenv().getOrDefault("TARMAC_TOKEN", java.util.UUID.randomUUID().toString());
    try (ServiceProcess service =
        ServiceProcess.start(
            data.toAbsolutePath(), port, apiToken, List.of(), data.resolve("service.log"))) {
      System.out.println(
          "Tarmac service on "
              + service.url()
              + " (data in "
              + data
              + ", log "
              + service.log()
              + ")");
      System.out.println("export TARMAC_URL=" + service.url() + " TARMAC_TOKEN=" + apiToken);
      Runtime.getRuntime().addShutdownHook(new Thread(service::close));
      service.waitFor();
    }
    return 0;
  }
}
