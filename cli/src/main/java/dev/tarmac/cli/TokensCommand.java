package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tarmac tokens create|list|revoke}: the service's named API tokens (admin only). */
@Command(
    name = "tokens",
    mixinStandardHelpOptions = true,
    description = "Make, list and revoke the service's API tokens (needs an admin token).",
    subcommands = {
      TokensCommand.Create.class,
      TokensCommand.ListTokens.class,
      TokensCommand.Revoke.class
    },
    footer = {
      "",
      "Roles: viewer reads; deployer also builds and releases or rolls back (only to its --env"
          + " environments when given); admin also manages apps and tokens.",
      "",
      "Examples:",
      "  tarmac tokens create ci-staging --role deployer --env staging",
      "  tarmac tokens list",
      "  tarmac tokens revoke ci-staging"
    })
public final class TokensCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Make a token and print its secret, once (it is stored only as a hash).")
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "who will use it, e.g. ci-staging")
    String name;

    @Option(
        names = "--role",
        required = true,
        description = "viewer, deployer or admin",
        paramLabel = "ROLE")
    String role;

    @Option(
        names = "--env",
        paramLabel = "ENV",
        description = "a deployer token releases only to these environments (repeatable)")
    List<String> envs = new ArrayList<>();

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("role", role);
      if (!envs.isEmpty()) {
        body.put("envs", envs);
      }
      JsonNode created = client.client().post("/api/tokens", body);
      if (client.json) {
        Output.json(System.out, created);
        return 0;
      }
      System.out.println(created.path("token").asText());
      System.err.println(
          "token '"
              + created.path("name").asText()
              + "' ("
              + created.path("role").asText()
              + (envs.isEmpty() ? "" : ", environments " + String.join(", ", envs))
              + ") created. This is the only time its secret is shown: give it as TARMAC_TOKEN.");
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "The tokens: name, role, environments, created (never their secrets).")
  static final class ListTokens implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode tokens = client.client().get("/api/tokens");
      if (client.json) {
        Output.json(System.out, tokens);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode t : tokens) {
        List<String> envs = new ArrayList<>();
        t.path("envs").forEach(e -> envs.add(e.asText()));
        rows.add(
            List.of(
                t.path("name").asText(),
                t.path("role").asText(),
                envs.isEmpty() ? "all" : String.join(",", envs),
                Output.text(t, "createdAt")));
      }
      Output.table(System.out, List.of("NAME", "ROLE", "ENVS", "CREATED"), rows);
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revoke a token: it is refused from now on.")
  static final class Revoke implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      client.client().delete("/api/tokens/" + name);
      System.out.println("token '" + name + "' revoked");
      return 0;
    }
  }
}
