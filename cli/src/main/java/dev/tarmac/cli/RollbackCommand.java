package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

  @Option(names = "--to", description = "the version to go back to (default: the previous one)")
  String to;

  @Option(
      names = "--restore-database",
      description = "restore the dump taken before the release being rolled back (restore hook)")
  boolean restoreDatabase;

  @Option(
      names = "--across-contract",
      description =
          "go back across a contract migration that ran (refused otherwise): the older version"
              + " runs on the schema as it is")
  boolean acrossContract;

  @Mixin Target target;

  @Mixin RunOptions run;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    ApiClient api = client.client();
    JsonNode started = api.post(target.path("rollback"), body());
    return Follow.outcome(api, client, run.noWait, target.app, target.env, started, "rollback");
  }

  /** What POST …/rollback is sent (docs/api.md). */
  Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    if (to != null) {
      body.put("to", to);
    }
    body.put("restoreDatabase", restoreDatabase);
    if (acrossContract) {
      body.put("acrossContract", true);
    }
    body.put("forceUnlock", run.forceUnlock);
    return body;
  }
}
