package dev.tarmac.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * A release or rollback by its number, which counts per app and environment: {@code <app> <id>
 * --env <env>}.
 */
public final class RunRef {
  @Parameters(index = "1", paramLabel = "ID", description = "the release's number (history)")
  long id;

  @Mixin Target target;

  String path() {
    return target.path("releases/" + id);
  }

  /**
   * The command line that does {@code verb} to this run, e.g. {@code tarmac follow shop 7 --env
   * prod}.
   */
  static String command(String verb, String app, long id, String env) {
    return "tarmac " + verb + " " + app + " " + id + " --env " + env;
  }
}
