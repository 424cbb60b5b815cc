package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "follow",
    mixinStandardHelpOptions = true,
    description =
        "Follow a release or rollback the service is running (after Ctrl-C, or one started"
            + " elsewhere): its progress, then its timeline; one that ended shows its timeline.",
    footer = {"", "Example:", "  tarmac follow shop 42 --env production"})
public final class FollowCommand implements Callable<Integer> {

  @Mixin RunRef run;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    ApiClient api = client.client();
    JsonNode record = api.get(run.path());
    String what = record.path("kind").asText("release");
    if (!client.json) {
      System.out.println(
          what
              + " #"
              + run.id
              + ": "
              + run.target.app
              + " "
              + record.path("version").asText()
              + " to "
              + run.target.env
              + (ReleaseFollower.finished(record)
                  ? " (ended " + record.path("status").asText() + ")"
                  : ""));
    }
    return Follow.follow(api, client, run.target.app, run.target.env, run.id, what);
  }
}
