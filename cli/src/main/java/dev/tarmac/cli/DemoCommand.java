package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tarmac.deploy.visitors.Visitors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole story on embedded defaults: start the service with the embedded store, make a sample
 * app repository, tag it, build it, release it to three {@code local} hosts served over HTTP on
 * loopback, change a colour and release again (timeline, activation window), roll back, status.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run Tarmac end to end on this machine with its embedded defaults.",
    footer = {
      "",
      "Example:",
      "  ./tarmac demo            # builds, releases, changes, releases, rolls back",
      "  ./tarmac demo --keep     # leaves the service running afterwards"
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--dir",
      defaultValue = ".tarmac-demo",
      description = "demo directory, emptied first (default: ${DEFAULT-VALUE})")
  Path dir;

  @Option(names = "--keep", description = "leave the service running when the demo ends")
  boolean keep;

  private final long started = System.nanoTime();

  /**
   * The demo's service: on loopback, whatever the environment says; its three local hosts allowed
   * (a real service runs none unless its operator says so: docs/configuration.md, "Local hosts");
   * without bubblewrap, builds of the demo's own sample app opted into weaker isolation, said
   * aloud.
   */
  private List<String> demoProperties(int port, Path root) {
    List<String> props = new java.util.ArrayList<>();
    props.add("quarkus.http.host=127.0.0.1");
    props.add("tarmac.public-url=http://127.0.0.1:" + port);
    props.add("tarmac.release.local-hosts=" + root.resolve("hosts"));
    if (isRoot()) {
      props.add("tarmac.release.local-user=root");
      say(
          "Hosts: you run the demo as root, so its three local hosts run as root too"
              + " (tarmac.release.local-user=root, for the demo's own sample app only). A real"
              + " service run as root refuses local hosts until its operator names an unprivileged"
              + " user");
    }
    if (!bubblewrapWorks()) {
      String mode = isRoot() ? "user" : "none";
      props.add("tarmac.build.isolation=" + mode);
      say(
          "Builds: bubblewrap does not work here, so the demo builds its own sample app with"
              + " tarmac.build.isolation="
              + mode
              + " (weaker). A real service refuses to build without it: apt-get install"
              + " bubblewrap");
    }
    return props;
  }

  private static boolean isRoot() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static boolean bubblewrapWorks() {
    try {
      Process p =
          new ProcessBuilder(
                  "bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--unshare-user-try", "true")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void say(String line) {
    System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - started) / 1e9, line);
  }

  @Override
  public Integer call() throws Exception {
    Path root = dir.toAbsolutePath().normalize();
    deleteTree(root);
    Files.createDirectories(root);
    Path repo = root.resolve("repo");
    Path sample = home().resolve("docs/examples/sample-app");
    if (!Files.isDirectory(sample)) {
      throw new CliException(
          CliException.CONFIG,
          "the sample app is not at "
              + sample
              + "; run the demo from the Tarmac repository (./tarmac demo)");
    }
    say("Sample app: copying " + sample + " into a new git repository at " + repo);
    copyTree(sample, repo);
    List<String> missing = SupervisedHosts.missing(System.getenv("PATH"));
    boolean processes = missing.isEmpty();
    Map<String, Integer> nginxPorts = new java.util.LinkedHashMap<>();
    String yml =
        Files.readString(repo.resolve("tarmac.yml"))
            .replace("/tmp/tarmac-demo/hosts", root.resolve("hosts").toString());
    // the hosts share 127.0.0.1: each gets two free ports for its server (blue, green)
    for (String h : List.of("web1", "web2", "web3")) {
      yml = yml.replaceFirst("ports: 31\\d\\d \\}", "ports: " + freePorts(2) + " }");
      nginxPorts.put(h, freePorts(1));
    }
    if (processes) {
      yml = withProcesses(yml);
      say(
          "Processes: nginx and supervisord are here, so each host runs the app's server"
              + " (server/Server.java) per release under its own supervisord, behind its own nginx"
              + " (release.processes and release.proxy: the #p lines of tarmac.yml, uncommented)");
    } else {
      say(
          "Processes: "
              + String.join(", ", missing)
              + " not on the PATH, so the hosts serve current/public as before; "
              + SupervisedHosts.PACKAGES
              + " makes the demo run a server per release behind nginx and measure what visitors"
              + " see");
    }
    Files.writeString(repo.resolve("tarmac.yml"), yml);
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      // dated now, so that `tarmac metrics` after the demo shows a lead time of seconds
      commitAndTag(git, "v1.0.0", Instant.now());

      int port = ServiceProcess.freePort();
      say(
          "Service: starting on http://127.0.0.1:"
              + port
              + " with the embedded store in "
              + root.resolve("service"));
      ServiceProcess service =
          ServiceProcess.start(
              root.resolve("service"),
              port,
              // the demo is all on loopback, whatever the environment says
              demoProperties(port, root),
              root.resolve("service.log"));
      try {
        ApiClient api = new ApiClient(service.url(), service.token());
        api.post("/api/apps", Map.of("name", "demo", "repo", repo.toUri().toString()));
        say("App: registered 'demo' (" + repo.toUri() + ")");

        JsonNode v1 = build(api, "v1.0.0");
        // where code runs is registered in the service, by an admin (docs/environments.md)
        JsonNode env = api.post("/api/apps/demo/envs/demo/import", Map.of("from", "v1.0.0"));
        say(
            "Environment: registered 'demo' (revision "
                + env.path("revision").asText()
                + ": "
                + String.join("; ", EnvCommand.changes(env))
                + ") from tarmac.yml at v1.0.0, as `tarmac env import demo demo --from v1.0.0`"
                + " does");
        Map<String, Path> hostDirs = new java.util.LinkedHashMap<>();
        for (String h : List.of("web1", "web2", "web3")) {
          hostDirs.put(h, root.resolve("hosts").resolve(h));
        }
        Path examples = home().resolve("docs/examples/processes");
        ServedHosts web =
            processes
                ? new SupervisedHosts(hostDirs, nginxPorts, examples)
                : new HostWebServers(hostDirs);
        try (web) {
          if (web instanceof SupervisedHosts) {
            say(
                "Hosts: a supervisord each, which runs the host's nginx, in "
                    + root.resolve("hosts")
                    + "/web1/{sv,nginx} (web2, web3 alike), nginx on "
                    + web.hosts().stream()
                        .map(h -> h + "=" + web.url(h).getPort())
                        .collect(java.util.stream.Collectors.joining(" ")));
          }
          JsonNode r1 = release(api, "v1.0.0");
          say(
              String.format(
                  "Release v1.0.0: %s on web1, web2, web3 (activation window %d ms)",
                  r1.path("status").asText(), r1.path("activationWindowMs").asLong()));
          for (String h : web.hosts()) {
            say("Serving " + h + " at " + web.url(h) + " — " + page(web, h));
          }

          Files.writeString(
              repo.resolve("assets/scss/_colors.scss"),
              Files.readString(repo.resolve("assets/scss/_colors.scss"))
                  .replace("#1f6feb", "#d1242f"));
          commitAndTag(git, "v1.1.0", Instant.now());
          say("Change: brand colour #1f6feb -> #d1242f, tagged v1.1.0");
          JsonNode v2 = build(api, "v1.1.0");
          long t = System.nanoTime();
          JsonNode again = api.post("/api/apps/demo/builds", Map.of("tag", "v1.0.0"));
          say(
              String.format(
                  "Rebuild of v1.0.0: %s in %d ms, no work done (the tag is already in the store)",
                  again.path("status").asText(), (System.nanoTime() - t) / 1_000_000));

          Visitors visitors =
              web instanceof SupervisedHosts sh
                  ? new Visitors(sh.sites(), Duration.ofMinutes(3), Duration.ofMillis(2))
                  : null;
          long releaseAsked = System.nanoTime();
          JsonNode r2 = release(api, "v1.1.0");
          say("Release v1.1.0: " + r2.path("status").asText() + "; its timeline:");
          Output.timeline(System.out, r2);
          for (String h : web.hosts()) {
            say(h + " now answers: " + page(web, h));
          }
          say(
              "Migration ran once, on web1: "
                  + Files.readString(hostDirs.get("web1").resolve("shared/database.txt"))
                      .strip()
                      .replace("\n", "; "));

          long rollbackAsked = System.nanoTime();
          JsonNode back = api.post("/api/apps/demo/envs/demo/rollback", Map.of());
          JsonNode r3 = wait(api, back.path("id").asLong());
          say(
              String.format(
                  "Rollback: %s to %s, no download (activation window %d ms); web2 answers: %s",
                  r3.path("status").asText(),
                  r3.path("version").asText(),
                  r3.path("activationWindowMs").asLong(),
                  page(web, "web2")));
          if (visitors != null) {
            Thread.sleep(300);
            visitors.close();
            measured(visitors, releaseAsked, rollbackAsked).forEach(this::say);
          }
          JsonNode status = api.get("/api/apps/demo/envs/demo/status");
          StringBuilder live = new StringBuilder();
          for (JsonNode h : status.path("hosts")) {
            live.append(h.path("name").asText())
                .append("=")
                .append(h.path("live").asText())
                .append(h.path("drift").asBoolean() ? " (DRIFT)" : "")
                .append(" ");
          }
          say(
              "Status: "
                  + live.toString().strip()
                  + "; builds "
                  + v1.path("version").asText()
                  + " and "
                  + v2.path("version").asText()
                  + " stay in the store");
          if (keep) {
            Map<String, String> served = new java.util.LinkedHashMap<>();
            for (String h : web.hosts()) {
              served.put(h, web.url(h).toString());
            }
            say("Done; the service and the hosts keep running:");
            kept(root, service.url().toString(), served).forEach(System.out::println);
            service.waitFor();
          }
        }
        if (web instanceof SupervisedHosts sh) {
          say(
              "Stopped: the hosts' "
                  + sh.daemons()
                  + " supervisord daemons, the nginx and the "
                  + sh.stoppedServers()
                  + " servers they ran; nothing of the demo runs on the hosts now");
        }
      } finally {
        service.close();
      }
    }
    say(String.format("Done in %.1f s. To look at next:", (System.nanoTime() - started) / 1e9));
    next(root).forEach(System.out::println);
    return 0;
  }

  /** The checkout or installed tree the launcher names (tarmac.home): docs/examples is there. */
  private static Path home() {
    return Path.of(System.getProperty("tarmac.home", "."));
  }

  /** The sample app's tarmac.yml with its {@code #p} lines (processes, proxy) uncommented. */
  static String withProcesses(String yml) {
    return yml.replaceAll("(?m)^#p", "");
  }

  /**
   * {@code n} free loopback ports in a row, below the ephemeral range (32768 and up on Linux): the
   * visitors' connections take ephemeral ports by the thousand, and one would take a server's port
   * before it binds.
   */
  static int freePorts(int n) {
    java.util.Random random = new java.util.Random();
    for (int i = 0; i < 200; i++) {
      int p = 20000 + random.nextInt(12000);
      if (free(p, n)) {
        return p;
      }
    }
    throw new CliException(
        CliException.CONFIG, "found no " + n + " free loopback ports in a row from 20000 to 32767");
  }

  private static boolean free(int first, int n) {
    for (int p = first; p < first + n; p++) {
      try (java.net.ServerSocket s =
          new java.net.ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
        // free
      } catch (IOException taken) {
        return false;
      }
    }
    return true;
  }

  /**
   * What the visitors saw (docs/processes.md, "What the demo shows"): requests and failures, and
   * for the release and the rollback the window from the first to the last host answering the
   * version released.
   */
  static List<String> measured(Visitors visitors, long releaseAsked, long rollbackAsked) {
    Duration release = visitors.window(b -> b.contains("Release v1.1.0"), releaseAsked);
    Duration rollback = visitors.window(b -> b.contains("Release v1.0.0"), rollbackAsked);
    return List.of(
        String.format(
            "Visitors (a new connection per request to every host's nginx, measured from"
                + " outside): %d requests, %d failed",
            visitors.answers().size(), visitors.failures().size()),
        "Visitors: first to last host answering v1.1.0: "
            + millis(release)
            + "; answering v1.0.0 again after the rollback: "
            + millis(rollback));
  }

  private static String millis(Duration d) {
    return d == null
        ? "some host never did"
        : String.format(java.util.Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
  }

  /** What to look at once the demo ended (DemoIT checks these lines). */
  static List<String> next(Path root) {
    return List.of(
        "  the hosts' folders: "
            + root.resolve("hosts")
            + "/web1, web2, web3 (current -> releases/v1.0.0 after the rollback; releases/,"
            + " shared/)",
        "  the service's log: " + root.resolve("service.log"),
        "  ./tarmac demo --keep leaves the service and the hosts running: the dashboard,"
            + " tarmac status, history and log against them");
  }

  /** With {@code --keep}: where the dashboard and the hosts are, and how it ends. */
  static List<String> kept(Path root, String url, Map<String, String> hosts) {
    List<String> lines = new java.util.ArrayList<>();
    lines.add(
        "  the dashboard: "
            + url
            + "/ (sign in with the token in "
            + root.resolve("service/api-token")
            + ")");
    hosts.forEach(
        (h, at) -> lines.add("  " + h + " serves " + at + " from " + root.resolve("hosts/" + h)));
    lines.add(
        "  in another terminal: export TARMAC_URL="
            + url
            + " TARMAC_DATA_DIR="
            + root.resolve("service")
            + "; tarmac history demo --env demo");
    lines.add("  Ctrl-C stops the service and the hosts' web servers, and ends the demo");
    return lines;
  }

  private JsonNode release(ApiClient api, String version) {
    JsonNode started = api.post("/api/apps/demo/envs/demo/releases", Map.of("version", version));
    say("Release " + version + ": #" + started.path("id").asText() + " started");
    return wait(api, started.path("id").asLong());
  }

  private JsonNode wait(ApiClient api, long id) {
    JsonNode record =
        new ReleaseFollower(api, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
            .follow("demo", "demo", id);
    if (!record.path("status").asText().equals("LIVE")) {
      throw new CliException(CliException.REMOTE, record.path("error").asText("release failed"));
    }
    return record;
  }

  /** The page a host serves, reduced to the line that names its release. */
  private static String page(ServedHosts web, String host) {
    try {
      java.net.http.HttpResponse<String> r =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(web.url(host)).build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      return r.body()
          .lines()
          .filter(l -> l.contains("id=\"release\""))
          .findFirst()
          .map(l -> l.replaceAll("<[^>]+>", "").strip())
          .orElse("HTTP " + r.statusCode());
    } catch (IOException e) {
      return "unreachable: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private JsonNode build(ApiClient api, String tag) throws InterruptedException {
    long t = System.nanoTime();
    api.post("/api/apps/demo/builds", Map.of("tag", tag));
    say("Build " + tag + ": queued");
    JsonNode build;
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    do {
      Thread.sleep(100);
      build = api.get("/api/apps/demo/builds/" + tag);
      if (System.nanoTime() > deadline) {
        throw new CliException(
            CliException.REMOTE, "build " + tag + " did not finish in 5 minutes");
      }
    } while (!build.path("status").asText().equals("SUCCEEDED")
        && !build.path("status").asText().equals("FAILED"));
    if (build.path("status").asText().equals("FAILED")) {
      throw new CliException(
          CliException.REMOTE, "build " + tag + " failed: " + build.path("error").asText());
    }
    say(
        String.format(
            "Build %s: SUCCEEDED in %.1fs — %d files, %d bytes, commit %s",
            tag,
            (System.nanoTime() - t) / 1e9,
            build.path("files").asInt(),
            build.path("size").asLong(),
            build.path("commit").asText().substring(0, 12)));
    return build;
  }

  /** A commit of the whole tree, tagged, dated the n-th hour of 2026 (tests: fixed hashes). */
  static void commitAndTag(Git git, String tag, int n) throws Exception {
    commitAndTag(git, tag, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(n * 3600L));
  }

  static void commitAndTag(Git git, String tag, Instant when) throws Exception {
    PersonIdent who =
        new PersonIdent(
            "Tarmac Demo",
            "demo@tarmac.invalid",
            Instant.ofEpochSecond(when.getEpochSecond()),
            ZoneOffset.UTC);
    git.add().addFilepattern(".").call();
    git.commit()
        .setMessage("release " + tag)
        .setAuthor(who)
        .setCommitter(who)
        .setSign(false)
        .call();
    git.tag().setName(tag).setMessage(tag).setTagger(who).setSigned(false).call();
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
