package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tarmac apps add|list|remove|credential}: register apps and set the credential of a private
 * repository (admin). A secret is read from a file (or standard input), never from the command
 * line, and never printed back (docs/operations.md, "Private repositories").
 */
@Command(
    name = "apps",
    mixinStandardHelpOptions = true,
    description = "Register apps and set their repositories' credentials (needs an admin token).",
    subcommands = {
      AppsCommand.Add.class,
      AppsCommand.ListApps.class,
      AppsCommand.Remove.class,
      AppsCommand.Credential.class
    },
    footer = {
      "",
      "Examples:",
      "  tarmac apps add shop https://git.example.com/team/shop.git --token-file shop.token",
      "  tarmac apps add blog ssh://git@git.example.com/team/blog.git --deploy-key-file blog_key",
      "  tarmac apps credential shop --token-file new.token",
      "  tarmac apps credential shop --remove",
      "  tarmac apps remove shop"
    })
public final class AppsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** A token file or a deploy key file ("-": standard input). */
  static final class Secret {
    @Option(
        names = "--token-file",
        paramLabel = "FILE",
        description = "an access token for an https:// repository (- reads standard input)")
    Path tokenFile;

    @Option(
        names = "--deploy-key-file",
        paramLabel = "FILE",
        description = "a private key without passphrase for an ssh:// repository (- reads stdin)")
    Path deployKeyFile;

    void into(Map<String, Object> body) {
      if (tokenFile != null) {
        body.put("token", read(tokenFile, "--token-file"));
      }
      if (deployKeyFile != null) {
        body.put("deployKey", read(deployKeyFile, "--deploy-key-file"));
      }
    }

    private static String read(Path file, String option) {
      try {
        return file.toString().equals("-")
            ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
            : Files.readString(file);
      } catch (IOException e) {
        throw new CliException(
            CliException.CONFIG, option + " " + file + " cannot be read: " + e.getMessage());
      }
    }
  }

  /** Prints an app as the service answers it: never a secret, only the kind of credential. */
  static void print(JsonNode app) {
    JsonNode c = app.path("credential");
    System.out.println(
        app.path("name").asText()
            + "  "
            + app.path("repo").asText()
            + (app.path("watch").asBoolean() ? "  (watched)" : ""));
    if (c.isMissingNode() || c.isNull()) {
      System.out.println("credential: none");
    } else if ("DEPLOY_KEY".equals(c.path("kind").asText())) {
      System.out.println("credential: deploy key; add its public key to the repository:");
      System.out.println("  " + c.path("publicKey").asText());
    } else {
      System.out.println("credential: token");
    }
  }

  /** What {@code apps add} says of the tags: which ones the service builds by itself. */
  static String watching(String name, boolean watched) {
    return watched
        ? "watched: every tag pushed from now on is built by itself (the service polls the"
            + " repository every tarmac.watch.interval, 60 s by default); the tags there now are"
            + " not: tarmac build "
            + name
            + " TAG builds one"
        : "not watched: tarmac build "
            + name
            + " TAG builds a tag (or a webhook on tag push: docs/webhooks.md)";
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Register an app (or change its repository), with its credential if private.")
  static final class Add implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "URL", description = "https://, ssh:// or file:// URL")
    String repo;

    @Option(
        names = "--watch",
        negatable = true,
        defaultValue = "true",
        fallbackValue = "true",
        description =
            "build every tag pushed from now on by itself (the default; --no-watch: only"
                + " `tarmac build` and webhooks build)")
    boolean watch = true;

    @Option(
        names = "--branches",
        paramLabel = "GLOB",
        split = ",",
        description =
            "a webhook's push of a matching branch builds it as a version named from its commit"
                + " (main-1a2b3c4): main, release/*, feature/** (off by default)")
    java.util.List<String> branches = new java.util.ArrayList<>();

    @ArgGroup(exclusive = true)
    Secret secret = new Secret();

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("repo", repo);
      body.put("watch", watch);
      if (!branches.isEmpty()) {
        body.put("branches", branches);
      }
      if (secret != null) {
        secret.into(body);
      }
      JsonNode app = client.client().post("/api/apps", body);
      if (client.json) {
        Output.json(System.out, app);
        return 0;
      }
      print(app);
      System.out.println(watching(name, app.path("watch").asBoolean()));
      if (!branches.isEmpty()) {
        System.out.println(
            "branches: a webhook's push of "
                + String.join(", ", branches)
                + " builds it (tarmac build "
                + name
                + " --ref BRANCH builds one now)");
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The apps.")
  static final class ListApps implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode apps = client.client().get("/api/apps");
      if (client.json) {
        Output.json(System.out, apps);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode a : apps) {
        JsonNode c = a.path("credential");
        rows.add(
            List.of(
                a.path("name").asText(),
                a.path("repo").asText(),
                c.isMissingNode() || c.isNull() ? "-" : c.path("kind").asText().toLowerCase()));
      }
      Output.table(System.out, List.of("NAME", "REPOSITORY", "CREDENTIAL"), rows);
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description =
          "Forget an app and its credential; its builds and release histories stay in the store"
              + " (adding it again finds them). Refused while a release of it runs.")
  static final class Remove implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      client.client().delete("/api/apps/" + name);
      System.out.println(name + " is removed; its builds and release histories stay in the store");
      return 0;
    }
  }

  @Command(
      name = "credential",
      mixinStandardHelpOptions = true,
      description =
          "Set (or --remove) the token or deploy key an app's repository is fetched with.")
  static final class Credential implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    static final class Choice {
      @ArgGroup(exclusive = true)
      Secret secret;

      @Option(names = "--remove", description = "forget the app's credential")
      boolean remove;
    }

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      if (choice.remove) {
        client.client().delete("/api/apps/" + name + "/credential");
        System.out.println("the credential of " + name + " is removed");
        return 0;
      }
      Map<String, Object> body = new LinkedHashMap<>();
      choice.secret.into(body);
      JsonNode app = client.client().put("/api/apps/" + name + "/credential", body);
      if (client.json) {
        Output.json(System.out, app);
      } else {
        print(app);
      }
      return 0;
    }
  }
}
