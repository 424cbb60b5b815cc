package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description =
        "Release a built version to every host of an environment: prepare all, then switch all at"
            + " once. Follows progress and ends with the timeline.",
    footer = {"", "Example:", "  tarmac release shop v1.4.0 --env production"})
public final class ReleaseCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the app")
  String app;

  @Parameters(index = "1", description = "the version (a built tag)")
  String version;

  @Option(names = "--env", required = true, description = "the environment in tarmac.yml")
  String env;

  @Option(names = "--force-unlock", description = "take the environment's lock from its holder")
  boolean forceUnlock;

  @Option(names = "--no-wait", description = "start it and print its number; do not follow")
  boolean noWait;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", version);
    body.put("forceUnlock", forceUnlock);
    ApiClient api = client.client();
    JsonNode started = api.post("/api/apps/" + app + "/envs/" + env + "/releases", body);
    return Follow.outcome(api, client.json, noWait, app, env, started, "release");
  }
}
