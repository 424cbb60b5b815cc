package dev.tarmac.builder.pipeline.steps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.deploy.config.TarmacConfig.Fingerprint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples of docs/cdn-and-caches.md (docs/examples/assets/) read a manifest this step wrote
 * and print the URLs an app would put in its pages: each is run with its interpreter when that is
 * on this machine (python3 and node here; php when installed), and at least one must run.
 */
class AssetManifestExamplesTest {
  @TempDir Path tmp;

  private static final Path EXAMPLES = Path.of("../docs/examples/assets").toAbsolutePath();

  private static boolean onPath(String program) {
    for (String dir : System.getenv("PATH").split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out.strip();
  }

  private Path manifest(String name, Optional<String> cdn) throws Exception {
    Path tree = tmp.resolve(name);
    Files.createDirectories(tree.resolve("public/css"));
    Files.writeString(tree.resolve("public/css/app.css"), "body{margin:0}\n");
    new FingerprintAssetsStep(
            tree,
            Optional.of(new Fingerprint("public", List.of("css/**"), false)),
            List.of(),
            cdn,
            new BuildLog(tmp.resolve(name + ".log")))
        .run();
    return tree.resolve("public/tarmac-assets.json");
  }

  @Test
  void everyExampleGivesTheHashedUrlWithAndWithoutACdn() throws Exception {
    Path withCdn = manifest("cdn", Optional.of("https://cdn.example.com/shop"));
    Path without = manifest("plain", Optional.empty());
    String hashed = "css/app.6d6068180a5c.css";
    assertThat(Files.readString(without)).contains(hashed);

    List<String[]> commands = new ArrayList<>();
    if (onPath("python3")) {
      commands.add(new String[] {"python3", EXAMPLES.resolve("assets.py").toString()});
    }
    if (onPath("node")) {
      commands.add(new String[] {"node", EXAMPLES.resolve("assets.js").toString()});
    }
    if (onPath("php")) {
      commands.add(new String[] {"php", EXAMPLES.resolve("assets.php").toString()});
    }
    assertThat(commands).as("python3, node or php on PATH").isNotEmpty();
    for (String[] c : commands) {
      assertThat(run(c[0], c[1], withCdn.toString(), "css/app.css"))
          .isEqualTo("https://cdn.example.com/shop/" + hashed);
      assertThat(run(c[0], c[1], without.toString(), "css/app.css")).isEqualTo("/" + hashed);
      assertThat(run(c[0], c[1], without.toString(), "robots.txt")).isEqualTo("/robots.txt");
    }
  }
}
