package dev.tarmac.cli;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * How a command reaches the service: {@code --url}/{@code --token}, else {@code TARMAC_URL}/{@code
 * TARMAC_TOKEN}, else {@code url=}/{@code token=} in {@code ~/.config/tarmac/config.properties},
 * else {@code http://127.0.0.1:8080} with the admin token the service wrote to {@code api-token} in
 * its data directory ({@code TARMAC_DATA_DIR}, default {@code ~/.local/share/tarmac}), when this
 * user can read it. And {@code --json}.
 */
public final class ClientOptions {
  @Option(
      names = "--url",
      description = "the service (default: TARMAC_URL, config file, http://127.0.0.1:8080)")
  String url;

  @Option(
      names = "--token",
      description =
          "API token (default: TARMAC_TOKEN, config file, else the service's api-token file in"
              + " TARMAC_DATA_DIR or ~/.local/share/tarmac)")
  String token;

  @Option(names = "--json", description = "print JSON instead of text")
  boolean json;

  @Option(
      names = "--no-color",
      description = "no colour, even on a terminal (as NO_COLOR does; never colour in a pipe)")
  boolean noColor;

  public ApiClient client() {
    Properties file = configFile();
    String u =
        first(url, System.getenv("TARMAC_URL"), file.getProperty("url"), "http://127.0.0.1:8080");
    String t =
        first(
            token,
            System.getenv("TARMAC_TOKEN"),
            file.getProperty("token"),
            readable(defaultTokenFile()));
    return new ApiClient(URI.create(u.replaceAll("/+$", "")), t);
  }

  /** Where a service on this machine keeps its first admin token. */
  static Path defaultTokenFile() {
    return defaultDataDir().resolve("api-token");
  }

  /** {@code TARMAC_DATA_DIR}, else {@code ~/.local/share/tarmac} (as the service's default). */
  static Path defaultDataDir() {
    String env = System.getenv("TARMAC_DATA_DIR");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".local/share/tarmac");
  }

  private static String readable(Path file) {
    try {
      return Files.isReadable(file) ? Files.readString(file).strip() : null;
    } catch (IOException e) {
      return null;
    }
  }

  static Path configPath() {
    String xdg = System.getenv("XDG_CONFIG_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".config");
    return base.resolve("tarmac/config.properties");
  }

  private static Properties configFile() {
    Properties p = new Properties();
    Path file = configPath();
    if (Files.isReadable(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new CliException(CliException.CONFIG, "cannot read " + file + ": " + e.getMessage());
      }
    }
    return p;
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return null;
  }
}
