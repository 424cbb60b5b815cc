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
 * else {@code http://127.0.0.1:8080} without a token. And {@code --json}.
 */
public final class ClientOptions {
  @Option(
      names = "--url",
      description = "the service (default: TARMAC_URL, config file, http://127.0.0.1:8080)")
  String url;

  @Option(names = "--token", description = "API token (default: TARMAC_TOKEN, config file)")
  String token;

  @Option(names = "--json", description = "print JSON instead of text")
  boolean json;

  public ApiClient client() {
    Properties file = configFile();
    String u =
        first(url, System.getenv("TARMAC_URL"), file.getProperty("url"), "http://127.0.0.1:8080");
    String t = first(token, System.getenv("TARMAC_TOKEN"), file.getProperty("token"), null);
    return new ApiClient(URI.create(u.replaceAll("/+$", "")), t);
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
