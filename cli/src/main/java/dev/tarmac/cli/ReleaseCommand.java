package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

  @Parameters(index = "1", description = "the version (a built tag)")
  String version;

  @Mixin Target target;

  @Mixin RunOptions run;

  @Mixin ClientOptions client;

  @Option(
      names = "--plan",
      description =
          "read every host and print what the release would do there (what each would receive,"
              + " which hooks run where, what the clean-up removes); changes nothing")
  boolean plan;

  @Override
  public Integer call() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", version);
    body.put("forceUnlock", run.forceUnlock);
    ApiClient api = client.client();
    if (plan) {
      JsonNode preview = api.post(target.path("releases") + "?plan=true", body);
      if (client.json) {
        Output.json(System.out, preview);
      } else {
        printPlan(preview);
      }
      return 0;
    }
    JsonNode started = api.post(target.path("releases"), body);
    return Follow.outcome(api, client, run.noWait, target.app, target.env, started, "release");
  }

  private void printPlan(JsonNode p) {
    System.out.println(
        "Plan: "
            + target.app
            + " "
            + version
            + " to "
            + target.env
            + " ("
            + (p.path("live").isNull() ? "nothing live yet" : Output.text(p, "live") + " is live")
            + "; "
            + (p.path("migrateHost").isNull()
                ? "no migration"
                : "migration once on " + Output.text(p, "migrateHost"))
            + "). Nothing was changed.");
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode h : p.path("hosts")) {
      if (!h.path("problem").isNull()) {
        rows.add(
            List.of(
                h.path("name").asText(),
                "-",
                "UNREACHABLE: " + h.path("problem").asText(),
                "",
                ""));
        continue;
      }
      String transfer = h.path("transfer").asText();
      String receives =
          switch (transfer) {
            case "present" -> "nothing (already there)";
            case "delta" ->
                "delta from "
                    + h.path("from").asText()
                    + (h.path("bytes").isNull()
                        ? " (made at release)"
                        : ", " + h.path("bytes").asLong() + " bytes");
            default -> "full artifact, " + h.path("bytes").asLong() + " bytes";
          };
      List<String> hooks = new ArrayList<>();
      h.path("hooks")
          .fields()
          .forEachRemaining(e -> hooks.add(e.getKey() + " (" + e.getValue().size() + ")"));
      List<String> removes = new ArrayList<>();
      h.path("removes").forEach(r -> removes.add(r.asText()));
      rows.add(
          List.of(
              h.path("name").asText(),
              Output.text(h, "serves"),
              receives,
              String.join(", ", hooks),
              String.join(" ", removes)));
    }
    Output.table(
        System.out, List.of("HOST", "SERVES", "RECEIVES", "HOOKS", "CLEAN-UP REMOVES"), rows);
  }
}
