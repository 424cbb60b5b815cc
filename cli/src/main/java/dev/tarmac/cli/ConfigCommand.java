package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tarmac config set|unset|list}: an app's configuration values and secrets, app-wide or per
 * environment (docs/configuration-and-secrets.md). A secret's value is read from standard input,
 * never from the command line, and never printed: {@code list} shows its fingerprint.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Set, unset and list an app's configuration values and secrets.",
    subcommands = {
      ConfigCommand.Set.class,
      ConfigCommand.Unset.class,
      ConfigCommand.ListConfig.class
    },
    footer = {
      "",
      "Without ENV a value is the app's, shared by its environments; with ENV it is that",
      "environment's and overrides the app's. Released with the next release (tarmac release).",
      "",
      "Examples:",
      "  tarmac config set shop HOST=0.0.0.0 LOG_LEVEL=info",
      "  tarmac config set shop prod LOG_LEVEL=warn",
      "  printf '%s' \"$JWT\" | tarmac config set shop prod --secret JWT_SECRET",
      "  tarmac config unset shop prod LOG_LEVEL",
      "  tarmac config list shop prod"
    })
public final class ConfigCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The most bytes of a secret read from standard input (the service's bound: 64 KiB). */
  static final int MAX_SECRET = 64 * 1024;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The path of the app's ({@code env} null) or the environment's configuration. */
  static String path(String app, String env) {
    return "/api/apps/" + app + (env == null ? "" : "/envs/" + env) + "/config";
  }

  /**
   * {@code APP [ENV] NAME=value…}: the second word is the environment unless it holds {@code =}.
   * Returns the environment (or null) and fills {@code values}.
   */
  static String split(List<String> words, Map<String, String> values, boolean secret) {
    String env = null;
    int from = 0;
    if (!words.isEmpty() && !words.get(0).contains("=")) {
      env = words.get(0);
      from = 1;
    }
    for (String w : words.subList(from, words.size())) {
      int eq = w.indexOf('=');
      if (eq <= 0) {
        throw new CliException(
            CliException.USAGE,
            "'"
                + w
                + "' is not NAME=value; give the environment first, once (tarmac config set APP"
                + " [ENV] NAME=value…)");
      }
      values.put(w.substring(0, eq), w.substring(eq + 1));
    }
    if (!secret && values.isEmpty()) {
      throw new CliException(
          CliException.USAGE,
          "nothing to set: give NAME=value, or --secret NAME to read a secret from standard input");
    }
    return env;
  }

  /**
   * A secret's value from {@code in}: the whole input, less one final newline ({@code echo} adds
   * one); a terminal is asked without echo.
   */
  static String readSecret(String name, InputStream in) {
    java.io.Console console = System.console();
    if (console != null && in == System.in) {
      char[] typed = console.readPassword("value of %s (not shown): ", name);
      if (typed == null || typed.length == 0) {
        throw new CliException(CliException.USAGE, "no value given for " + name);
      }
      return new String(typed);
    }
    try {
      byte[] bytes = in.readNBytes(MAX_SECRET + 2);
      if (bytes.length > MAX_SECRET + 1) {
        throw new CliException(
            CliException.USAGE,
            "the value of "
                + name
                + " on standard input is longer than "
                + MAX_SECRET
                + " bytes (64 KiB); nothing was sent");
      }
      String v = new String(bytes, StandardCharsets.UTF_8);
      if (v.endsWith("\r\n")) {
        v = v.substring(0, v.length() - 2);
      } else if (v.endsWith("\n")) {
        v = v.substring(0, v.length() - 1);
      }
      if (v.isEmpty()) {
        throw new CliException(
            CliException.USAGE,
            "standard input is empty: pipe the value of "
                + name
                + " in (printf '%s' \"$VALUE\" | tarmac config set … --secret "
                + name
                + ")");
      }
      return v;
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, "cannot read standard input: " + e.getMessage());
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description =
          "Set plain values (NAME=value) or one secret (--secret NAME, its value read from"
              + " standard input).")
  static final class Set implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1..*", paramLabel = "[ENV] NAME=value", arity = "0..*")
    List<String> words = new ArrayList<>();

    @Option(
        names = "--secret",
        paramLabel = "NAME",
        description = "set the secret NAME; its value is read from standard input (admin)")
    String secret;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      Map<String, String> values = new TreeMap<>();
      String env = split(words, values, secret != null);
      Map<String, Object> body = new LinkedHashMap<>();
      if (!values.isEmpty()) {
        body.put("values", values);
      }
      if (secret != null) {
        body.put("secrets", Map.of(secret, readSecret(secret, System.in)));
      }
      return change(client, app, env, body);
    }
  }

  @Command(
      name = "unset",
      mixinStandardHelpOptions = true,
      description = "Remove names from the app's or the environment's configuration.")
  static final class Unset implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1..*", paramLabel = "[ENV] NAME", arity = "1..*")
    List<String> words = new ArrayList<>();

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      String env = null;
      List<String> names = new ArrayList<>(words);
      // a name is A-Z 0-9 _; an environment is a-z 0-9 _ -
      if (names.size() > 1 && !names.get(0).matches("[A-Z_][A-Z0-9_]*")) {
        env = names.remove(0);
      }
      return change(client, app, env, Map.of("unset", names));
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "The names with their values (a secret as its fingerprint), where each comes from, who"
              + " set it and when.")
  static final class ListConfig implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APP")
    String app;

    @Parameters(index = "1", paramLabel = "ENV", arity = "0..1")
    String env;

    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode own = client.client().get(path(app, null));
      JsonNode envs = env == null ? null : client.client().get(path(app, env));
      if (client.json) {
        Map<String, Object> both = new LinkedHashMap<>();
        both.put("app", own);
        if (envs != null) {
          both.put("env", envs);
        }
        Output.json(
            System.out, new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(both));
        return 0;
      }
      System.out.print(table(app, env, own, envs));
      return 0;
    }
  }

  /** Sends a change and prints what it did (or the answer, with {@code --json}). */
  static int change(ClientOptions client, String app, String env, Map<String, ?> body) {
    JsonNode r = client.client().put(path(app, env), body);
    if (client.json) {
      Output.json(System.out, r);
    } else {
      System.out.println(changed(app, env, r));
    }
    return 0;
  }

  /** One line after a change: the revision, who, which names. */
  static String changed(String app, String env, JsonNode r) {
    List<String> names = new ArrayList<>();
    r.path("changed").forEach(n -> names.add(n.asText()));
    String where = app + (env == null ? " (every environment)" : " " + env);
    return names.isEmpty()
        ? where + ": nothing changed (revision " + r.path("revision").asLong() + ")"
        : where
            + ": revision "
            + r.path("revision").asLong()
            + ", "
            + String.join(", ", names)
            + "; released with the next release (tarmac release "
            + app
            + " VERSION --env "
            + (env == null ? "ENV" : env)
            + ")";
  }

  /** The merged view: the environment's names over the app's; the FROM column says whose. */
  static String table(String app, String env, JsonNode own, JsonNode envs) {
    Map<String, List<String>> rows = new TreeMap<>();
    add(rows, own, app);
    if (envs != null) {
      add(rows, envs, env);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.io.PrintStream p = new java.io.PrintStream(out, true, StandardCharsets.UTF_8)) {
      if (rows.isEmpty()) {
        p.println(
            "no configuration for "
                + app
                + (env == null ? "" : " " + env)
                + "; set some: tarmac config set "
                + app
                + (env == null ? "" : " " + env)
                + " NAME=value");
      } else {
        Output.table(
            p, List.of("NAME", "VALUE", "FROM", "BY", "AT"), new ArrayList<>(rows.values()));
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static void add(Map<String, List<String>> rows, JsonNode scope, String from) {
    scope
        .path("values")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode v = e.getValue();
              String shown =
                  v.path("secret").asBoolean()
                      ? "(secret) " + v.path("fingerprint").asText()
                      : v.path("value").asText();
              rows.put(
                  e.getKey(),
                  List.of(
                      e.getKey(),
                      Output.printable(shown, Output.Keep.NOTHING),
                      from,
                      v.path("by").asText(),
                      Output.text(v, "at")));
            });
  }
}
