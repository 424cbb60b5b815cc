package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** What {@code release}, {@code rollback} and {@code follow} do once the service runs one. */
final class Follow {
  private Follow() {}

  static int outcome(
      ApiClient api,
      ClientOptions client,
      boolean noWait,
      String app,
      String env,
      JsonNode started,
      String what) {
    long id = started.path("id").asLong();
    boolean json = client.json;
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
    return follow(api, client, app, env, id, what);
  }

  /**
   * Follows run {@code id} to its end: live lines, then the timeline and the outcome (exit 5 when
   * it did not go live). Ctrl-C leaves it running in the service and says how to follow or cancel
   * it.
   */
  static int follow(
      ApiClient api, ClientOptions client, String app, String env, long id, String what) {
    boolean json = client.json;
    boolean noColor = client.noColor;
    Thread onInterrupt = new Thread(() -> System.err.print(detached(app, env, id, what)));
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    JsonNode record;
    try {
      ReleaseFollower follower =
          json
              ? new ReleaseFollower(
                  api, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
              : Terminal.live()
                  ? new ReleaseFollower(
                      api,
                      System.out,
                      new LiveLines(System.out, Terminal.width(), Terminal.colour(noColor)))
                  : new ReleaseFollower(api, System.out);
      record = follower.follow(app, env, id);
    } finally {
      Runtime.getRuntime().removeShutdownHook(onInterrupt);
    }
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

  /** What Ctrl-C while following prints: the run goes on; how to come back to it or stop it. */
  static String detached(String app, String env, long id, String what) {
    return "\n"
        + what
        + " #"
        + id
        + " goes on in the service.\n"
        + "  follow it: "
        + RunRef.command("follow", app, id, env)
        + "\n"
        + "  cancel it: "
        + RunRef.command("cancel", app, id, env)
        + "\n";
  }
}
