package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description =
        "Stop a running release or rollback at its next safe point: before the switch nothing is"
            + " activated and what it prepared is removed; after the switch every host is switched"
            + " back. Returns at once; `tarmac follow` shows how it ends.",
    footer = {"", "Example:", "  tarmac cancel shop 42 --env production"})
public final class CancelCommand implements Callable<Integer> {

  @Mixin RunRef run;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    JsonNode record = client.client().post(run.path() + "/cancel", Map.of());
    if (client.json) {
      Output.json(System.out, record);
    } else {
      System.out.println(
          record.path("kind").asText("release")
              + " #"
              + run.id
              + " ("
              + run.target.app
              + " "
              + record.path("version").asText()
              + " to "
              + run.target.env
              + ") will stop at its next safe point; see how it ends: "
              + RunRef.command("follow", run.target.app, run.id, run.target.env));
    }
    return 0;
  }
}
