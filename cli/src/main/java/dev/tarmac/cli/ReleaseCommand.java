package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description =
        "Release a built version to every host of an environment: prepare all, then switch all at"
            + " once. Follows progress and ends with the timeline.",
    footer = {"", "Example:", "  tarmac release shop v1.4.0 --env production"})
public final class ReleaseCommand implements Callable<Integer> {

  @Parameters(index = "1", description = "the version (a built tag)")
  String version;

  @Mixin Target target;

  @Mixin RunOptions run;

  @Mixin ClientOptions client;

  @Option(
      names = "--plan",
      description =
          "read every host and print what the release would do there (what each would receive,"
              + " which hooks run where, what the clean-up removes); changes nothing")
  boolean plan;

  @Override
  public Integer call() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", version);
    body.put("forceUnlock", run.forceUnlock);
    ApiClient api = client.client();
    if (plan) {
      JsonNode preview = api.post(target.path("releases") + "?plan=true", body);
      if (client.json) {
        Output.json(System.out, preview);
      } else {
        printPlan(System.out, preview, Terminal.ask());
        warnings(preview);
      }
      planVerdict(preview);
      return 0;
    }
    JsonNode started = api.post(target.path("releases"), body);
    if (!client.json) {
      warnings(started);
    }
    return Follow.outcome(api, client, run.noWait, target.app, target.env, started, "release");
  }

  /**
   * The service's warnings about a plan or a release (a {@code tarmac.yml} whose {@code
   * environments:} block is ignored: docs/environments.md), one {@code warning:} line each, on
   * stderr.
   */
  static void warnings(JsonNode answer) {
    answer.path("warnings").forEach(w -> System.err.println("warning: " + w.asText()));
  }

  /**
   * Exit 9 (as {@code status}) when a host could not be read: the plan is incomplete and a release
   * would fail there, which a CI pre-flight must see. The message names each host and its whole
   * error, one line each.
   */
  static void planVerdict(JsonNode p) {
    List<String> unreachable = new ArrayList<>();
    for (JsonNode h : p.path("hosts")) {
      if (!h.path("problem").isNull() && !h.path("problem").isMissingNode()) {
        unreachable.add("  " + h.path("name").asText() + ": " + problem(h));
      }
    }
    if (!unreachable.isEmpty()) {
      throw new CliException(
          CliException.HOSTS_UNREACHABLE,
          unreachable.size()
              + " of "
              + p.path("hosts").size()
              + " hosts could not be read: the plan is incomplete, and a release now would fail"
              + " there\n"
              + String.join("\n", unreachable));
    }
  }

  /**
   * Why a host could not be read, in one line, without the host's name where it begins with it (the
   * service's words name the host: {@code host2: connect failed: …}).
   */
  static String problem(JsonNode host) {
    String name = host.path("name").asText();
    String text = oneLine(host.path("problem").asText());
    return text.startsWith(name + ": ") ? text.substring(name.length() + 2) : text;
  }

  /** A host's error in one line: its lines joined, blank ones dropped. */
  static String oneLine(String text) {
    return String.join(
        " ", text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
  }

  /**
   * The plan as a table no wider than {@code width} on account of a host's error: the error is cut
   * there ("…"), whole in the message {@link #planVerdict} ends with.
   */
  static void printPlan(PrintStream out, JsonNode p, int width) {
    out.println(
        "Plan: "
            + Output.text(p, "app")
            + " "
            + Output.text(p, "version")
            + " to "
            + Output.text(p, "env")
            + " ("
            + (p.path("live").isNull() ? "nothing live yet" : Output.text(p, "live") + " is live")
            + "; "
            + (p.path("migrateHost").isNull()
                ? "no migration"
                : "migration once on " + Output.text(p, "migrateHost"))
            + "). Nothing was changed.");
    List<String> header = List.of("HOST", "SERVES", "RECEIVES", "HOOKS", "CLEAN-UP REMOVES");
    List<List<String>> rows = new ArrayList<>();
    Map<Integer, String> problems = new LinkedHashMap<>();
    for (JsonNode h : p.path("hosts")) {
      if (!h.path("problem").isNull() && !h.path("problem").isMissingNode()) {
        problems.put(rows.size(), "UNREACHABLE: " + problem(h));
        rows.add(List.of(h.path("name").asText(), "-", "", "", ""));
        continue;
      }
      String transfer = h.path("transfer").asText();
      String receives =
          switch (transfer) {
            case "present" -> "nothing (already there)";
            case "delta" ->
                "delta from "
                    + h.path("from").asText()
                    + (h.path("bytes").isNull()
                        ? " (made at release)"
                        : ", " + h.path("bytes").asLong() + " bytes");
            default -> "full artifact, " + h.path("bytes").asLong() + " bytes";
          };
      List<String> hooks = new ArrayList<>();
      h.path("hooks")
          .fields()
          .forEachRemaining(e -> hooks.add(e.getKey() + " (" + e.getValue().size() + ")"));
      List<String> removes = new ArrayList<>();
      h.path("removes").forEach(r -> removes.add(r.asText()));
      rows.add(
          List.of(
              h.path("name").asText(),
              Output.text(h, "serves"),
              receives,
              String.join(", ", hooks),
              String.join(" ", removes)));
    }
    // an error may take the RECEIVES column as far as the terminal's edge (or as wide as the
    // column is without it), and at least enough to say what it is
    int receives = Output.columnWidths(header, rows)[2];
    int room = Math.max(receives, width - (Output.tableWidth(header, rows) - receives));
    problems.forEach(
        (row, problem) -> {
          List<String> cells = new ArrayList<>(rows.get(row));
          cells.set(
              2, Output.cut(Output.printable(problem, Output.Keep.NOTHING), Math.max(room, 24)));
          rows.set(row, cells);
        });
    Output.table(out, header, rows);
    String config = configLine(p.path("config"));
    if (config != null) {
      out.println(config);
    }
  }

  /**
   * What the plan's configuration says, in one line (names, never values), or null when the service
   * sent none (docs/configuration-and-secrets.md).
   */
  static String configLine(JsonNode c) {
    if (c.isMissingNode() || c.isNull()) {
      return null;
    }
    List<String> changed = new ArrayList<>();
    c.path("changed").forEach(n -> changed.add(n.asText()));
    List<String> missing = new ArrayList<>();
    c.path("missing").forEach(n -> missing.add(n.asText()));
    String line =
        "Config: app r"
            + c.path("app").asLong()
            + ", env r"
            + c.path("env").asLong()
            + "; "
            + (changed.isEmpty()
                ? "no name changes against the live release"
                : "changes against the live release: " + String.join(", ", changed));
    if (!missing.isEmpty()) {
      line +=
          "; MISSING (the release would be refused): "
              + String.join(", ", missing)
              + " (tarmac config set)";
    }
    return Output.printable(line, Output.Keep.NOTHING);
  }
}
