package dev.tarmac.cli;

import picocli.CommandLine.Option;

/** Options of the commands that start a release or rollback. */
public final class RunOptions {
  @Option(names = "--force-unlock", description = "take the environment's lock from its holder")
  boolean forceUnlock;

  @Option(names = "--no-wait", description = "start it and print its number; do not follow")
  boolean noWait;
}
