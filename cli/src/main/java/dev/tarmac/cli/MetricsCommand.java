package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tarmac metrics}: the four delivery figures of an environment, as the service computes them
 * from its release history (docs/dashboard.md, "Delivery figures").
 */
@Command(
    name = "metrics",
    mixinStandardHelpOptions = true,
    description =
        "The delivery figures of an environment over the last days: deployment frequency, lead"
            + " time from the tag's commit to live, change-failure rate, time to restore.",
    footer = {
      "",
      "Examples:",
      "  tarmac metrics shop --env production",
      "  tarmac metrics shop --env production --days 90 --json"
    })
public final class MetricsCommand implements Callable<Integer> {
  @Mixin Target target;

  @Option(names = "--days", defaultValue = "30", description = "the window, in days (default 30)")
  int days;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    if (days < 1) {
      throw new CliException(CliException.USAGE, "--days must be 1 or more, got " + days);
    }
    JsonNode f = client.client().get(target.path("metrics?days=" + days));
    if (client.json) {
      Output.json(System.out, f);
      return 0;
    }
    System.out.print(text(f, days));
    return 0;
  }

  /**
   * The figures as lines a person reads; a figure with nothing to measure says so. The window is
   * the last {@code days} × 24 h (the answer's own {@code days} counts the calendar days it
   * touches, one more unless it starts at midnight).
   */
  static String text(JsonNode f, int days) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%s/%s, last %d days:%n", f.path("app").asText(), f.path("env").asText(), days));
    out.append(
        String.format(
            "  deployments          %d (%.2f a day)%n",
            f.path("deployments").asInt(), f.path("deploymentsPerDay").asDouble()));
    out.append("  lead time            ")
        .append(duration(f.path("leadTimeSeconds")))
        .append(" (median, tag's commit to live)\n");
    JsonNode rate = f.path("changeFailureRate");
    out.append("  change failure rate  ")
        .append(
            rate.isNumber()
                ? String.format(
                    "%.0f %% (%d of %d releases)",
                    rate.asDouble() * 100,
                    f.path("failedChanges").asInt(),
                    f.path("releasesFinished").asInt())
                : "– (no release finished)")
        .append('\n');
    out.append("  time to restore      ")
        .append(duration(f.path("timeToRestoreSeconds")))
        .append(" (median)")
        .append(
            f.path("unrestored").asInt() > 0
                ? " (" + f.path("unrestored").asInt() + " failure(s) not restored yet)"
                : "")
        .append('\n');
    return out.toString();
  }

  static String duration(JsonNode seconds) {
    if (!seconds.isNumber()) {
      return "–";
    }
    Duration d = Duration.ofSeconds(seconds.asLong());
    if (d.toDays() > 0) {
      return d.toDays() + " d " + d.toHoursPart() + " h";
    }
    if (d.toHours() > 0) {
      return d.toHours() + " h " + d.toMinutesPart() + " min";
    }
    if (d.toMinutes() > 0) {
      return d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }
    return d.toSeconds() + " s";
  }
}
