package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tarmac env list|show|set|import|history}: the environments registered in the service,
 * where an app's code runs (docs/environments.md). Reading needs any token; writing an admin's.
 */
@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description =
        "The environments registered in the service: the hosts, paths and users code goes to"
            + " (a tag's tarmac.yml no longer decides it), and which versions may go there.",
    subcommands = {
      EnvCommand.ListEnvs.class,
      EnvCommand.Show.class,
      EnvCommand.SetEnv.class,
      EnvCommand.Import.class,
      EnvCommand.History.class
    },
    footer = {
      "",
      "Examples:",
      "  tarmac env import shop production --from v1.4.0",
      "  tarmac env show shop production > production.yml",
      "  tarmac env set shop production production.yml",
      "  tarmac env history shop production"
    })
public final class EnvCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static String path(String app, String env) {
    return "/api/apps/" + app + "/envs/" + env;
  }

  /** {@code production of shop: revision 3 by alice, 2026-12-07 16:09:03 (5 min ago): …}. */
  static String revisionLine(JsonNode r) {
    return r.path("env").asText()
        + " of "
        + r.path("app").asText()
        + ": revision "
        + r.path("revision").asText()
        + " by "
        + r.path("by").asText()
        + ", "
        + Output.when(r, "at", ZoneId.systemDefault(), Instant.now())
        + ": "
        + String.join("; ", changes(r));
  }

  static List<String> changes(JsonNode r) {
    List<String> out = new ArrayList<>();
    r.path("changes").forEach(c -> out.add(c.asText()));
    return out;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "The app's registered environments: hosts, deploy_to, versions, revision.")
  static final class ListEnvs implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode envs = client.client().get("/api/apps/" + app + "/envs");
      if (client.json) {
        Output.json(System.out, envs);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode e : envs) {
        JsonNode d = e.path("definition");
        List<String> hosts = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        for (JsonNode h : d.path("hosts")) {
          hosts.add(h.path("name").asText() + "@" + h.path("address").asText());
          String dir = h.path("deploy_to").asText();
          if (!dirs.contains(dir)) {
            dirs.add(dir);
          }
        }
        JsonNode v = d.path("versions");
        List<String> versions = new ArrayList<>();
        if (v.isArray()) {
          v.forEach(g -> versions.add(g.asText()));
        } else {
          versions.add(v.asText("tags"));
        }
        rows.add(
            List.of(
                e.path("env").asText(),
                String.join(",", hosts),
                String.join(",", dirs),
                String.join(",", versions),
                e.path("revision").asText(),
                e.path("by").asText()));
      }
      if (rows.isEmpty()) {
        System.out.println(
            app
                + " has no registered environment; an admin registers one: tarmac env import "
                + app
                + " ENV --from VERSION (docs/environments.md)");
        return 0;
      }
      Output.table(
          System.out, List.of("ENV", "HOSTS", "DEPLOY_TO", "VERSIONS", "REVISION", "BY"), rows);
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "The environment in force, in full (JSON, which is YAML: a file env set takes back).")
  static final class Show implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1", paramLabel = "ENV")
    String env;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode e = client.client().get(path(app, env));
      if (client.json) {
        Output.json(System.out, e);
        return 0;
      }
      System.err.println(revisionLine(e));
      Output.json(System.out, e.path("definition"));
      return 0;
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description =
          "Register the environment from FILE.yml (a tarmac.yml environment block, with"
              + " versions): a new revision (admin).")
  static final class SetEnv implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1", paramLabel = "ENV")
    String env;

    @Parameters(index = "2", paramLabel = "FILE.yml")
    Path file;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      byte[] body;
      try {
        if (Files.size(file) > 1024 * 1024) {
          throw new CliException(
              CliException.USAGE, file + " is over 1 MiB; an environment's definition is small");
        }
        body = Files.readAllBytes(file);
      } catch (IOException ex) {
        throw new CliException(
            CliException.USAGE, "cannot read " + file + ": " + ex.getMessage() + "; nothing sent");
      }
      JsonNode r = client.client().putRaw(path(app, env), "application/yaml", body);
      printRevision(client, r);
      return 0;
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description =
          "Register the environment from a build's tarmac.yml block, once (admin); later"
              + " changes go through env set.")
  static final class Import implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1", paramLabel = "ENV")
    String env;

    @Option(
        names = "--from",
        paramLabel = "VERSION",
        required = true,
        description =
            "the build whose tarmac.yml block is read (required: the newest build is whatever"
                + " was tagged or pushed last)")
    String from;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode r = client.client().post(path(app, env) + "/import", Map.of("from", from));
      printRevision(client, r);
      return 0;
    }
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = "Every revision of the environment, newest first: who, when, what changed.")
  static final class History implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1", paramLabel = "ENV")
    String env;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode revisions = client.client().get(path(app, env) + "/revisions");
      if (client.json) {
        Output.json(System.out, revisions);
        return 0;
      }
      ZoneId zone = ZoneId.systemDefault();
      Instant now = Instant.now();
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode r : revisions) {
        rows.add(
            List.of(
                r.path("revision").asText(),
                r.path("by").asText(),
                Output.when(r, "at", zone, now),
                String.join("; ", changes(r))));
      }
      Output.table(System.out, List.of("REVISION", "BY", "WHEN", "CHANGES"), rows);
      return 0;
    }
  }

  /** A revision as JSON ({@code --json}) or as its one line. */
  static void printRevision(ClientOptions client, JsonNode r) {
    if (client.json) {
      Output.json(System.out, r);
    } else {
      System.out.println(revisionLine(r));
    }
  }
}
