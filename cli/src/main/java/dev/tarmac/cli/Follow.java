package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** What {@code release} and {@code rollback} do once the service has started one. */
final class Follow {
  private Follow() {}

  static int outcome(
      ApiClient api,
      boolean json,
      boolean noWait,
      String app,
      String env,
      JsonNode started,
      String what) {
    long id = started.path("id").asLong();
    if (noWait) {
      if (json) {
        Output.json(System.out, started);
      } else {
        System.out.println(
            what
                + " #"
                + id
                + " of "
                + app
                + " "
                + started.path("version").asText()
                + " to "
                + env
                + " started");
      }
      return 0;
    }
    if (!json) {
      System.out.println(
          what + " #" + id + ": " + app + " " + started.path("version").asText() + " to " + env);
    }
    boolean terminal = System.console() != null && !json;
    JsonNode record =
        new ReleaseFollower(
                api,
                json
                    ? new java.io.PrintStream(java.io.OutputStream.nullOutputStream())
                    : System.out,
                terminal)
            .follow(app, env, id);
    if (json) {
      Output.json(System.out, record);
    } else {
      System.out.println();
      Output.timeline(System.out, record);
      System.out.println(what + " #" + id + " " + record.path("status").asText());
    }
    if (!record.path("status").asText().equals("LIVE")) {
      throw new CliException(CliException.REMOTE, record.path("error").asText(what + " failed"));
    }
    return 0;
  }
}
