package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tarmac lock status|release}: an environment's lock in the store. */
@Command(
    name = "lock",
    mixinStandardHelpOptions = true,
    description = "Who holds an environment's lock, and taking it away from a holder that is gone.",
    subcommands = {LockCommand.Status.class, LockCommand.Release.class},
    footer = {
      "",
      "Examples:",
      "  tarmac lock status shop --env production",
      "  tarmac lock release shop --env production"
    })
public final class LockCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static String describe(Target target, JsonNode lock) {
    ZoneId zone = ZoneId.systemDefault();
    Instant now = Instant.now();
    return target.app
        + "/"
        + target.env
        + " is locked by "
        + Output.text(lock, "holder")
        + " ("
        + Output.text(lock, "operation")
        + " "
        + Output.text(lock, "version")
        + (lock.path("generation").isNumber() ? ", #" + lock.path("generation").asText() : "")
        + ") since "
        + Output.when(lock, "since", zone, now)
        + ", lease until "
        + lease(lock, zone, now);
  }

  /** {@code 2026-11-27 16:19:03 (in 9 min)}, or {@code (expired 3 min ago)}. */
  static String lease(JsonNode lock, ZoneId zone, Instant now) {
    Instant until = Instant.parse(lock.path("leaseUntil").asText());
    String local = Output.when(lock, "leaseUntil", zone, until);
    String day = local.substring(0, local.indexOf(" ("));
    return until.isAfter(now)
        ? day + " (in " + Output.span(java.time.Duration.between(now, until)) + ")"
        : day + " (expired " + Output.ago(java.time.Duration.between(until, now)) + ")";
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Who holds the lock, for what and until when (exit 4 when locked).")
  static final class Status implements Callable<Integer> {
    @Mixin Target target;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode lock = client.client().get(target.path("lock"));
      if (client.json) {
        Output.json(System.out, lock);
      } else {
        System.out.println(
            lock.path("locked").asBoolean()
                ? describe(target, lock)
                : target.app + "/" + target.env + " is not locked");
      }
      return lock.path("locked").asBoolean() ? CliException.LOCKED : 0;
    }
  }

  @Command(
      name = "release",
      mixinStandardHelpOptions = true,
      description =
          "Remove the lock, as --force-unlock would: for a holder that is gone. A release still"
              + " holding it stops at its next check (nothing more is switched).")
  static final class Release implements Callable<Integer> {
    @Mixin Target target;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode was = client.client().delete(target.path("lock"));
      if (client.json) {
        Output.json(System.out, was);
      } else {
        System.out.println(
            "released: " + describe(target, was).replace(" is locked by ", " was locked by "));
      }
      return 0;
    }
  }
}
