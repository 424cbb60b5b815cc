package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description =
        "Build a git tag of an app once (an existing build is answered at once) and wait for it.",
    footer = {"", "Example:", "  tarmac build shop v1.4.0"})
public final class BuildCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the app")
  String app;

  @Parameters(index = "1", description = "the git tag")
  String tag;

  @Option(names = "--no-wait", description = "queue it and return")
  boolean noWait;

  @Mixin ClientOptions client;

  @Override
  public Integer call() throws InterruptedException {
    ApiClient api = client.client();
    long t = System.nanoTime();
    JsonNode build = api.post("/api/apps/" + app + "/builds", Map.of("tag", tag));
    while (!noWait && !done(build)) {
      Thread.sleep(200);
      build = api.get("/api/apps/" + app + "/builds/" + tag);
    }
    if (client.json) {
      Output.json(System.out, build);
    } else {
      System.out.printf(
          "%s %s: %s in %.1f s%s%n",
          app,
          tag,
          build.path("status").asText(),
          (System.nanoTime() - t) / 1e9,
          build.path("status").asText().equals("SUCCEEDED")
              ? String.format(
                  " — %d files, %d bytes, sha256 %s",
                  build.path("files").asInt(),
                  build.path("size").asLong(),
                  build.path("sha256").asText())
              : "");
    }
    if (build.path("status").asText().equals("FAILED")) {
      throw new CliException(
          CliException.REMOTE,
          "build of "
              + app
              + " "
              + tag
              + " failed: "
              + build.path("error").asText()
              + " (log: tarmac's /api/apps/"
              + app
              + "/builds/"
              + tag
              + "/log)");
    }
    return 0;
  }

  static boolean done(JsonNode build) {
    String s = build.path("status").asText();
    return s.equals("SUCCEEDED") || s.equals("FAILED");
  }
}
