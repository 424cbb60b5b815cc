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
    name = "rollback",
    mixinStandardHelpOptions = true,
    description =
        "Switch every host back to the release live before the current one (or --to), still on"
            + " disk: no download.",
    footer = {
      "",
      "Examples:",
      "  tarmac rollback shop --env production",
      "  tarmac rollback shop --env production --to v1.3.2 --restore-database"
    })
public final class RollbackCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the app")
  String app;

  @Option(names = "--env", required = true, description = "the environment")
  String env;

  @Option(names = "--to", description = "the version to go back to (default: the previous one)")
  String to;

  @Option(
      names = "--restore-database",
      description = "restore the dump taken before the release being rolled back (restore hook)")
  boolean restoreDatabase;

  @Option(names = "--force-unlock", description = "take the environment's lock from its holder")
  boolean forceUnlock;

  @Option(names = "--no-wait", description = "start it and print its number; do not follow")
  boolean noWait;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    Map<String, Object> body = new LinkedHashMap<>();
    if (to != null) {
      body.put("to", to);
    }
    body.put("restoreDatabase", restoreDatabase);
    body.put("forceUnlock", forceUnlock);
    ApiClient api = client.client();
    JsonNode started = api.post("/api/apps/" + app + "/envs/" + env + "/rollback", body);
    return Follow.outcome(api, client.json, noWait, app, env, started, "rollback");
  }
}
