package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The {@code tarmac} command as a process (the jar and lib/ the build made), for the ITs. */
final class TarmacCli {
  static final ObjectMapper JSON = new ObjectMapper();

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  private TarmacCli() {}

  /** {@code java -cp … dev.tarmac.cli.Main args}. */
  static List<String> command(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("tarmac.cli.classpath"),
                "dev.tarmac.cli.Main"));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * A process of {@code tarmac args} with nothing of this machine's Tarmac settings, its config
   * under {@code dir}, and {@code env}; standard error to {@code err}.
   */
  static Process start(Path dir, Path err, Map<String, String> env, String... args)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command(args));
    pb.environment().remove("TARMAC_URL");
    pb.environment().remove("TARMAC_TOKEN");
    pb.environment().remove("TARMAC_DATA_DIR");
    pb.environment().put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    pb.environment().putAll(env);
    pb.redirectError(err.toFile());
    return pb.start();
  }

  /** Runs {@code tarmac args} to its end (at most 3 minutes). */
  static Run run(Path dir, Map<String, String> env, String... args) throws Exception {
    Path err = dir.resolve("err.txt");
    Process p = start(dir, err, env, args);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), out, Files.readString(err));
  }
}
