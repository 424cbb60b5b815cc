package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = {
      "Build a git tag of an app once (an existing build is answered at once) and wait for it.",
      "With --ref, build a branch or a commit as a version named from its commit"
          + " (main-1a2b3c4), once per commit; it is not a tag.",
      "With --local, build a working copy (or one of its commits) here, exactly as the service"
          + " would build a tag, without a service and without publishing: the build log, the"
          + " artifact's files and sizes, each step's time."
    },
    footer = {
      "",
      "Examples:",
      "  tarmac build shop v1.4.0",
      "  tarmac build shop --ref main",
      "  tarmac build --local",
      "  tarmac build --local ~/src/shop --commit v1.4.0 --out /tmp/shop-v1.4.0"
    })
public final class BuildCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      description = "the app (with --local: the working copy, default .)")
  String app;

  @Parameters(index = "1", arity = "0..1", description = "the git tag")
  String tag;

  @Option(
      names = "--ref",
      paramLabel = "BRANCH|COMMIT",
      description =
          "build this branch or commit (not a tag): the version is named from the commit,"
              + " such as main-1a2b3c4")
  String ref;

  @Option(names = "--local", description = "build here, without the service; nothing is published")
  boolean local;

  @Option(
      names = "--commit",
      paramLabel = "REF",
      description =
          "with --local: build this commit or tag of the repository, not the working copy")
  String commit;

  @Option(
      names = "--out",
      description =
          "with --local: where the built tree goes (and OUT.tar.gz, OUT.log); default:"
              + " <tmp>/tarmac-check/<dir>")
  java.nio.file.Path out;

  @Option(names = "--no-wait", description = "queue it and return")
  boolean noWait;

  @Option(
      names = "--cancel",
      description =
          "stop this queued or running build: every process of it ends, nothing is published")
  boolean cancel;

  @Mixin ClientOptions client;

  @Override
  public Integer call() throws Exception {
    if (local) {
      if (tag != null) {
        throw new CliException(
            CliException.USAGE, "tarmac build --local takes a directory, not an app and a tag");
      }
      java.nio.file.Path dir = java.nio.file.Path.of(app == null ? "." : app);
      java.nio.file.Path into = out != null ? out : CheckCommand.defaultOut(dir);
      if (commit == null) {
        return CheckCommand.runLocal(dir, true, into);
      }
      java.nio.file.Path tree = CommitExport.export(dir, commit);
      try {
        // named after the working copy, not the exported tree (removed below)
        return CheckCommand.runLocal(tree, true, into);
      } finally {
        CommitExport.delete(tree);
      }
    }
    if (app == null || (tag == null) == (ref == null) || commit != null || out != null) {
      throw new CliException(
          CliException.USAGE,
          "tarmac build APP TAG or tarmac build APP --ref BRANCH|COMMIT (on the service), or"
              + " tarmac build --local [DIR] [--commit REF] [--out DIR] (here)");
    }
    if (ref != null && cancel) {
      throw new CliException(
          CliException.USAGE,
          "--cancel takes the version: tarmac build APP VERSION --cancel (tarmac builds APP lists"
              + " them)");
    }
    ApiClient api = client.client();
    long t = System.nanoTime();
    if (cancel) {
      api.post("/api/apps/" + app + "/builds/" + tag + "/cancel", Map.of());
      JsonNode ended = api.get("/api/apps/" + app + "/builds/" + tag);
      while (!done(ended) && System.nanoTime() - t < 120_000_000_000L) {
        Thread.sleep(200);
        ended = api.get("/api/apps/" + app + "/builds/" + tag);
      }
      System.out.printf(
          "%s %s: %s%n",
          app, tag, ended.path("status").asText() + " (" + ended.path("error").asText("") + ")");
      return done(ended) ? 0 : CliException.UNREACHABLE;
    }
    JsonNode build =
        api.post(
            "/api/apps/" + app + "/builds", tag != null ? Map.of("tag", tag) : Map.of("ref", ref));
    // a branch's build is named from its commit: the service says which version it is
    tag = build.path("version").asText(tag);
    while (!noWait && !done(build)) {
      Thread.sleep(200);
      build = api.get("/api/apps/" + app + "/builds/" + tag);
    }
    if (client.json) {
      Output.json(System.out, build);
    } else {
      System.out.printf(
          "%s %s: %s in %.1f s%s%n",
          app,
          tag,
          build.path("status").asText(),
          (System.nanoTime() - t) / 1e9,
          build.path("status").asText().equals("SUCCEEDED")
              ? String.format(
                  " — %d files, %d bytes, sha256 %s",
                  build.path("files").asInt(),
                  build.path("size").asLong(),
                  build.path("sha256").asText())
              : "");
    }
    if (build.path("status").asText().equals("FAILED")) {
      throw new CliException(CliException.REMOTE, failed(app, tag, build.path("error").asText()));
    }
    return 0;
  }

  /** A build that failed on the service, and the command that shows its log. */
  static String failed(String app, String tag, String error) {
    return "build of "
        + app
        + " "
        + tag
        + " failed: "
        + (error.endsWith(".") ? error.substring(0, error.length() - 1) : error)
        + "; its log: tarmac log "
        + app
        + " "
        + tag;
  }

  static boolean done(JsonNode build) {
    String s = build.path("status").asText();
    return s.equals("SUCCEEDED") || s.equals("FAILED");
  }
}
