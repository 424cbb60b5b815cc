package dev.tarmac.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The app and environment a release command works on: {@code <app> --env <env>}. */
public final class Target {
  @Parameters(index = "0", description = "the app")
  String app;

  @Option(names = "--env", required = true, description = "the environment in tarmac.yml")
  String env;

  String path(String rest) {
    return "/api/apps/" + app + "/envs/" + env + "/" + rest;
  }
}
