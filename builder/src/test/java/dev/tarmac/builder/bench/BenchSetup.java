package dev.tarmac.builder.bench;

import static io.restassured.RestAssured.given;

import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/** What the build benchmarks share: the machine as their figures note it, and a store. */
final class BenchSetup {
  private BenchSetup() {}

  /** A filesystem store under {@code dir}; nothing is served from it. */
  static FsArtifactStore store(Path dir) {
    return new FsArtifactStore(
        dir,
        URI.create("http://127.0.0.1:1"),
        new UrlSigner("benchmark-signing-key".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
  }

  /**
   * The machine, e.g. "2 cores, OpenJDK 64-Bit Server VM 17.0.15, load average 1.52 1.31 1.20 at
   * start".
   */
  static String machine() {
    String load;
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      load = ", load average " + fields[0] + " " + fields[1] + " " + fields[2] + " at start";
    } catch (Exception e) {
      load = "";
    }
    return Runtime.getRuntime().availableProcessors()
        + " cores, "
        + System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.version")
        + load;
  }

  /** Replaces the marked section {@code name} of docs/benchmarks.md with {@code section}. */
  static void writeSection(String name, String section) throws Exception {
    Path docs = Path.of("../docs/benchmarks.md").toAbsolutePath().normalize();
    String text = Files.readString(docs);
    String start = "<!-- " + name + ":start -->";
    String end = "<!-- " + name + ":end -->";
    int a = text.indexOf(start);
    int b = text.indexOf(end);
    if (a < 0 || b < a) {
      throw new AssertionError(docs + " has no " + start + " … " + end + " section");
    }
    Files.writeString(
        docs, text.substring(0, a + start.length()) + "\n" + section + text.substring(b));
    System.out.println(section);
  }

  static void await(String token, String path, List<String> ok) throws Exception {
    for (int i = 0; i < 1200; i++) {
      String status =
          given().auth().oauth2(token).get(path).then().extract().jsonPath().getString("status");
      if (ok.contains(status)) {
        return;
      }
      if ("FAILED".equals(status)) {
        throw new AssertionError(
            path + " FAILED: " + given().auth().oauth2(token).get(path).asString());
      }
      Thread.sleep(100);
    }
    throw new AssertionError(path + " did not finish");
  }
}
