package dev.tarmac.deploy.remote;

import java.time.Instant;

/** What a command did on a host: exit code, output, and when it ran. */
public record CommandResult(
    int exitCode, String stdout, String stderr, Instant startedAt, Instant finishedAt) {

  public boolean ok() {
    return exitCode == 0;
  }

  /** Both streams, trimmed to the last lines: what an error message shows. */
  public String output() {
    String both = (stdout.strip() + "\n" + stderr.strip()).strip();
    String[] lines = both.split("\n");
    if (lines.length <= 30) {
      return both;
    }
    return "…\n"
        + String.join("\n", java.util.Arrays.copyOfRange(lines, lines.length - 30, lines.length));
  }
}
