package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description =
        "Release a built version to every host of an environment: prepare all, then switch all at"
            + " once. Follows progress and ends with the timeline.",
    footer = {"", "Example:", "  tarmac release shop v1.4.0 --env production"})
public final class ReleaseCommand implements Callable<Integer> {

  @Parameters(index = "1", description = "the version (a built tag)")
  String version;

  @Mixin Target target;

  @Mixin RunOptions run;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", version);
    body.put("forceUnlock", run.forceUnlock);
    ApiClient api = client.client();
    JsonNode started = api.post(target.path("releases"), body);
    return Follow.outcome(api, client.json, run.noWait, target.app, target.env, started, "release");
  }
}
