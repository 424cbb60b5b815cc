package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tarmac.cli.TarmacCli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code tarmac} command, as a process, against the service as a process: build, release to
 * three {@code local} hosts, history, status, rollback, {@code --json}, and every exit code.
 */
class CliIT {
  static String TOKEN;
  static Path dir;
  static ServiceProcess service;
  static dev.tarmac.deploy.testing.SshHosts ssh;

  @BeforeAll
  static void start() throws Exception {
    dir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target").toAbsolutePath()), "cli-it-");
    Path repo = dir.resolve("repo");
    Path sample = Path.of(System.getProperty("tarmac.home")).resolve("docs/examples/sample-app");
    DemoCommand.copyTree(sample, repo);
    ssh = new dev.tarmac.deploy.testing.SshHosts(dir.resolve("ssh"), 2, 17);
    Files.writeString(
        repo.resolve("tarmac.yml"),
        Files.readString(repo.resolve("tarmac.yml"))
                .replace("/tmp/tarmac-demo/hosts", dir.resolve("hosts").toString())
            + "  servers:\n    deploy_to: "
            + ssh.deployTo()
            + "\n    hosts:\n"
            + ssh.hostsYaml("      "));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      DemoCommand.commitAndTag(git, "v1.0.0", 0);
      Files.writeString(repo.resolve("public/second.txt"), "second\n");
      DemoCommand.commitAndTag(git, "v1.1.0", 1);
    }
    service =
        ServiceProcess.start(
            dir.resolve("service"),
            ServiceProcess.freePort(),
            List.of(
                "tarmac.release.local-hosts=" + dir,
                "tarmac.release.local-user=" + System.getProperty("user.name"),
                "tarmac.ssh.private-key=" + ssh.settings().privateKey(),
                "tarmac.ssh.known-hosts=" + ssh.settings().knownHosts()),
            dir.resolve("service.log"));
    TOKEN = service.token();
    new ApiClient(service.url(), TOKEN)
        .post("/api/apps", Map.of("name", "demo", "repo", repo.toUri().toString()));
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
    if (ssh != null) {
      ssh.close();
    }
  }

  static Run tarmac(String... args) throws Exception {
    return tarmacWith(Map.of("TARMAC_URL", service.url().toString(), "TARMAC_TOKEN", TOKEN), args);
  }

  static Run tarmacWith(Map<String, String> env, String... args) throws Exception {
    return TarmacCli.run(dir, env, args);
  }

  @Test
  void buildReleaseHistoryStatusRollbackAndTheirJson() throws Exception {
    Run build = tarmac("build", "demo", "v1.0.0");
    assertThat(build.exit()).as(build.err()).isZero();
    assertThat(build.out()).startsWith("demo v1.0.0: SUCCEEDED");
    assertThat(tarmac("build", "demo", "v1.1.0", "--json").json().path("status").asText())
        .isEqualTo("SUCCEEDED");
    JsonNode builds = tarmac("builds", "demo", "--json").json();
    assertThat(builds.findValuesAsText("version")).contains("v1.0.0", "v1.1.0");

    // an environment not registered in the service is refused, saying how to register it
    Run unregistered = tarmac("release", "demo", "v1.0.0", "--env", "demo");
    assertThat(unregistered.exit()).isEqualTo(CliException.NOT_FOUND);
    assertThat(unregistered.err()).contains("tarmac env import demo demo --from v1.0.0");
    Run imported = tarmac("env", "import", "demo", "demo", "--from", "v1.0.0");
    assertThat(imported.exit()).as(imported.err()).isZero();
    assertThat(imported.out())
        .startsWith("demo of demo: revision 1 by admin, ")
        .contains("registered with 3 hosts");
    Run listed = tarmac("env", "list", "demo");
    assertThat(listed.out()).contains("ENV").contains("demo").contains("tags");
    Run envHistory = tarmac("env", "history", "demo", "demo");
    assertThat(envHistory.out()).contains("REVISION").contains("admin");
    Run r1 = tarmac("release", "demo", "v1.0.0", "--env", "demo");
    assertThat(r1.exit()).as(r1.out() + r1.err()).isZero();
    assertThat(r1.out())
        .contains("release #1: demo v1.0.0 to demo")
        .contains("HOST  TASK")
        .containsPattern("web3 +switch +[0-9.]+ +[0-9.]+ +ok")
        .contains("activation window")
        .contains("release #1 LIVE");
    Run plan = tarmac("release", "demo", "v1.1.0", "--env", "demo", "--plan");
    assertThat(plan.exit()).as(plan.out() + plan.err()).isZero();
    assertThat(plan.out())
        .contains("Plan: demo v1.1.0 to demo (v1.0.0 is live")
        .contains("Nothing was changed.")
        .containsPattern("web2 +v1.0.0 +delta from v1.0.0");
    assertThat(dir.resolve("hosts/web2/releases/v1.1.0")).doesNotExist();
    Run r2 = tarmac("release", "demo", "v1.1.0", "--env", "demo", "--json");
    assertThat(r2.exit()).isZero();
    JsonNode record = r2.json();
    assertThat(record.path("status").asText()).isEqualTo("LIVE");
    assertThat(record.path("activationWindowMs").asLong()).isLessThan(1000);
    assertThat(record.path("hosts").findValuesAsText("name")).contains("web1", "web2", "web3");
    assertThat(Files.readSymbolicLink(dir.resolve("hosts/web2/current")).toString())
        .isEqualTo("releases/v1.1.0");

    Run history = tarmac("history", "demo", "--env", "demo");
    assertThat(history.out().lines().toList()).hasSize(3).first().asString().startsWith("ID");
    assertThat(history.out()).contains("#2  release  v1.1.0   LIVE");
    // who released is the token's name (the service's first admin token is 'admin')
    assertThat(history.out()).containsPattern("#2 +release +v1\\.1\\.0 +LIVE +admin ");
    Run status = tarmac("status", "demo", "--env", "demo", "--json");
    assertThat(status.json().path("hosts").findValuesAsText("live")).containsOnly("v1.1.0");

    Run back = tarmac("rollback", "demo", "--env", "demo");
    assertThat(back.exit()).as(back.err()).isZero();
    assertThat(back.out()).contains("rollback #3 LIVE");
    assertThat(Files.readSymbolicLink(dir.resolve("hosts/web1/current")).toString())
        .isEqualTo("releases/v1.0.0");
    Run text = tarmac("status", "demo", "--env", "demo");
    assertThat(text.out()).contains("web1  v1.0.0").contains("ok");

    // only the release live now says LIVE; times in the machine's zone; --limit
    Map<String, String> india =
        Map.of("TARMAC_URL", service.url().toString(), "TARMAC_TOKEN", TOKEN, "TZ", "Asia/Kolkata");
    Run all = tarmacWith(india, "history", "demo", "--env", "demo");
    assertThat(all.out())
        .containsPattern("#3 +rollback +v1\\.0\\.0 +LIVE ")
        .containsPattern("#2 +release +v1\\.1\\.0 +ROLLED_BACK ")
        .containsPattern("#1 +release +v1\\.0\\.0 +superseded ")
        .doesNotContainPattern("T[0-9:.]+Z");
    String started =
        tarmac("history", "demo", "--env", "demo", "--json")
            .json()
            .get(0)
            .path("startedAt")
            .asText();
    String local =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .format(java.time.Instant.parse(started).atZone(java.time.ZoneId.of("Asia/Kolkata")));
    assertThat(all.out()).containsPattern("#3 .*" + local + " \\([0-9]+ (s|min) ago\\)");
    Run two = tarmacWith(india, "history", "demo", "--env", "demo", "--limit", "2");
    assertThat(two.out().lines().toList()).hasSize(3);
    assertThat(two.out()).contains("#3 ").contains("#2 ").doesNotContain("#1 ");
    assertThat(tarmac("history", "demo", "--env", "demo", "--limit", "1", "--json").json().size())
        .isEqualTo(1);
    Run zero = tarmac("history", "demo", "--env", "demo", "--limit", "0");
    assertThat(zero.exit()).isEqualTo(CliException.USAGE);
    assertThat(zero.err()).contains("--limit must be 1 or more");

    // delivery figures of the history above: #1 and #2 went live, #2 was rolled back by #3
    JsonNode figures = tarmac("metrics", "demo", "--env", "demo", "--json").json();
    assertThat(figures.path("deployments").asInt()).isEqualTo(2);
    assertThat(figures.path("releasesFinished").asInt()).isEqualTo(2);
    assertThat(figures.path("failedChanges").asInt()).isEqualTo(1);
    Run metrics = tarmac("metrics", "demo", "--env", "demo", "--days", "7");
    assertThat(metrics.exit()).as(metrics.err()).isZero();
    assertThat(metrics.out())
        .contains("demo/demo, last 7 days:")
        .containsPattern("deployments +2 ")
        .contains("change failure rate  50 % (1 of 2 releases)")
        .containsPattern("time to restore +[0-9]+ s \\(median\\)");
    assertThat(tarmac("metrics", "demo", "--env", "demo", "--days", "0").exit())
        .isEqualTo(CliException.USAGE);

    // exit codes, each with one sentence
    Run unknownVersion = tarmac("release", "demo", "v9.9.9", "--env", "demo");
    assertThat(unknownVersion.exit()).isEqualTo(CliException.NOT_FOUND);
    assertThat(unknownVersion.err()).startsWith("tarmac: ").contains("v9.9.9");
    Run unknownEnv = tarmac("release", "demo", "v1.0.0", "--env", "prod");
    assertThat(unknownEnv.exit()).isEqualTo(CliException.NOT_FOUND);
    assertThat(unknownEnv.err()).contains("environment prod of demo is not registered");
    Run unknownApp = tarmac("builds", "nope");
    assertThat(unknownApp.exit()).isEqualTo(CliException.NOT_FOUND);
    Run wrongToken =
        tarmacWith(
            Map.of("TARMAC_URL", service.url().toString(), "TARMAC_TOKEN", "wrong"),
            "release",
            "demo",
            "v1.1.0",
            "--env",
            "demo");
    assertThat(wrongToken.exit()).isEqualTo(CliException.CONFIG);
    assertThat(wrongToken.err()).contains("refused the token").contains("TARMAC_TOKEN");
    Run unreachable =
        tarmacWith(
            Map.of("TARMAC_URL", "http://127.0.0.1:" + ServiceProcess.freePort()),
            "builds",
            "demo");
    assertThat(unreachable.exit()).isEqualTo(CliException.UNREACHABLE);
    assertThat(unreachable.err())
        .contains("cannot reach the Tarmac service")
        .contains("tarmac serve");
    Run usage = tarmac("release", "demo");
    assertThat(usage.exit()).isEqualTo(CliException.USAGE);
    Path lock = dir.resolve("service/store/objects/apps/demo/envs/demo/lock.json");
    Files.writeString(
        lock,
        "{\"holder\":\"carol\",\"operation\":\"release\",\"version\":\"v9\",\"since\":\"2026-01-01T00:00:00Z\","
            + "\"leaseUntil\":\"2999-01-01T00:00:00Z\",\"token\":\"t\"}");
    Run locked = tarmac("release", "demo", "v1.1.0", "--env", "demo");
    assertThat(locked.exit()).isEqualTo(CliException.LOCKED);
    assertThat(locked.err()).contains("locked by carol").contains("--force-unlock");
    Files.delete(lock);

    // the config file is the third place the URL and token come from
    Files.createDirectories(dir.resolve("config/tarmac"));
    Files.writeString(
        dir.resolve("config/tarmac/config.properties"),
        "url=" + service.url() + "\ntoken=" + TOKEN + "\n");
    Run fromFile = tarmacWith(Map.of(), "history", "demo", "--env", "demo", "--json");
    assertThat(fromFile.exit()).as(fromFile.err()).isZero();
    assertThat(fromFile.json().size()).isEqualTo(3);
  }

  @Test
  void logLockAndAppsRemove() throws Exception {
    // a build that takes a while, followed with log -f to its end
    Path repo = dir.resolve("repo");
    try (Git git = Git.open(repo.toFile())) {
      Files.writeString(
          repo.resolve("tarmac.yml"),
          Files.readString(repo.resolve("tarmac.yml"))
              .replace("  commands:\n", "  commands:\n    - \"sleep 2; echo slow step done\"\n"));
      DemoCommand.commitAndTag(git, "v1.2.0", 2);
    }
    assertThat(tarmac("build", "demo", "v1.2.0", "--no-wait").exit()).isZero();
    Run follow = tarmac("log", "demo", "v1.2.0", "-f");
    assertThat(follow.exit()).as(follow.err()).isZero();
    assertThat(follow.out()).contains("slow step done");
    assertThat(tarmac("builds", "demo", "--json").json().findValuesAsText("status"))
        .doesNotContain("RUNNING", "QUEUED");
    Run log = tarmac("log", "demo", "v1.2.0");
    assertThat(log.out()).isEqualTo(follow.out());
    assertThat(tarmac("log", "demo", "v9.9.9").exit()).isEqualTo(CliException.NOT_FOUND);

    // the environment's lock: who holds it, and taking it away
    Run free = tarmac("lock", "status", "demo", "--env", "demo");
    assertThat(free.exit()).isZero();
    assertThat(free.out()).isEqualTo("demo/demo is not locked\n");
    Path lock = dir.resolve("service/store/objects/apps/demo/envs/demo/lock.json");
    Files.createDirectories(lock.getParent());
    Files.writeString(
        lock,
        "{\"holder\":\"carol\",\"operation\":\"release\",\"version\":\"v9\",\"since\":\"2026-01-01T00:00:00Z\","
            + "\"leaseUntil\":\"2999-01-01T00:00:00Z\",\"token\":\"secret-token\",\"generation\":12}");
    Run held = tarmac("lock", "status", "demo", "--env", "demo");
    assertThat(held.exit()).isEqualTo(CliException.LOCKED);
    assertThat(held.out())
        .startsWith("demo/demo is locked by carol (release v9, #12) since 2026-01-01 ")
        .contains("lease until 2999-01-01 ")
        .contains("(in ");
    Run heldJson = tarmac("lock", "status", "demo", "--env", "demo", "--json");
    assertThat(heldJson.json().path("holder").asText()).isEqualTo("carol");
    assertThat(heldJson.out()).doesNotContain("secret-token");
    Run released = tarmac("lock", "release", "demo", "--env", "demo");
    assertThat(released.exit()).as(released.err()).isZero();
    assertThat(released.out()).startsWith("released: demo/demo was locked by carol");
    assertThat(lock).doesNotExist();
    Run again = tarmac("lock", "release", "demo", "--env", "demo");
    assertThat(again.exit()).isEqualTo(CliException.NOT_FOUND);
    assertThat(again.err()).isEqualTo("tarmac: demo/demo is not locked\n");

    // apps remove: refused while locked; then forgotten, its builds kept in the store
    assertThat(tarmac("apps", "add", "gone", repo.toUri().toString()).exit()).isZero();
    Path goneLock = dir.resolve("service/store/objects/apps/gone/envs/prod/lock.json");
    Files.createDirectories(goneLock.getParent());
    Files.writeString(
        goneLock,
        "{\"holder\":\"dan\",\"operation\":\"release\",\"version\":\"v1\","
            + "\"since\":\"2026-01-01T00:00:00Z\",\"leaseUntil\":\"2999-01-01T00:00:00Z\",\"token\":\"t\"}");
    Run busy = tarmac("apps", "remove", "gone");
    assertThat(busy.exit()).isEqualTo(CliException.REMOTE);
    assertThat(busy.err())
        .contains("gone/prod is locked")
        .contains("tarmac lock status gone --env prod");
    assertThat(tarmac("apps", "list").out()).contains("gone");
    Files.delete(goneLock);
    Run removed = tarmac("apps", "remove", "gone");
    assertThat(removed.exit()).as(removed.err()).isZero();
    assertThat(removed.out()).contains("gone is removed");
    assertThat(tarmac("apps", "list").out()).doesNotContain("gone");
    assertThat(tarmac("apps", "remove", "gone").exit()).isEqualTo(CliException.NOT_FOUND);
  }

  @Test
  void initWritesAValidCommentedTarmacYml() throws Exception {
    Path app = Files.createDirectories(dir.resolve("my-shop"));
    Run init = tarmac("init", "--dir", app.toString());
    assertThat(init.exit()).as(init.err()).isZero();
    String yml = Files.readString(app.resolve("tarmac.yml"));
    assertThat(yml).contains("app: my-shop").contains("deploy_to: /srv/my-shop").contains("# ");
    Run again = tarmac("init", "--dir", app.toString());
    assertThat(again.exit()).isEqualTo(CliException.CONFIG);
    assertThat(again.err()).contains("exists").contains("--force");
  }

  @Test
  void releasesToSshServersAndRollsBack() throws Exception {
    assertThat(tarmac("build", "demo", "v1.0.0").exit()).isZero();
    assertThat(tarmac("build", "demo", "v1.1.0").exit()).isZero();
    assertThat(tarmac("env", "import", "demo", "servers", "--from", "v1.0.0").exit()).isZero();
    Run r1 = tarmac("release", "demo", "v1.0.0", "--env", "servers");
    assertThat(r1.exit()).as(r1.out() + r1.err()).isZero();
    assertThat(r1.out()).contains("host1  full artifact").contains("release #1 LIVE");
    Run r2 = tarmac("release", "demo", "v1.1.0", "--env", "servers");
    assertThat(r2.exit()).as(r2.out() + r2.err()).isZero();
    assertThat(r2.out()).contains("host2  delta from v1.0.0");
    for (var h : ssh.hosts()) {
      assertThat(Files.readSymbolicLink(h.root().resolve("current")).toString())
          .isEqualTo("releases/v1.1.0");
    }
    assertThat(tarmac("rollback", "demo", "--env", "servers").exit()).isZero();
    JsonNode status = tarmac("status", "demo", "--env", "servers", "--json").json();
    assertThat(status.path("hosts").findValuesAsText("live")).containsOnly("v1.0.0");
    assertThat(status.path("hosts").findValuesAsText("name")).containsExactly("host1", "host2");

    // status exits 8 on drift, 9 when a host cannot be read (docs/cli.md, "Exit codes")
    Path host1 = ssh.host("host1").root();
    Files.delete(host1.resolve("current"));
    Files.createSymbolicLink(host1.resolve("current"), Path.of("releases/v1.1.0"));
    Run drift = tarmac("status", "demo", "--env", "servers");
    assertThat(drift.exit()).as(drift.err()).isEqualTo(CliException.DRIFT);
    assertThat(drift.out()).containsPattern("host1 +v1\\.1\\.0 .*DRIFT");
    assertThat(drift.err())
        .isEqualTo(
            "tarmac: 1 of 2 hosts drifted from the history, which says v1.0.0 is live:"
                + " host1 serves v1.1.0\n");
    ssh.kill("host2");
    Run down = tarmac("status", "demo", "--env", "servers", "--json");
    assertThat(down.exit()).as(down.err()).isEqualTo(CliException.HOSTS_UNREACHABLE);
    assertThat(down.json().path("hosts").size()).isEqualTo(2);
    assertThat(down.err()).contains("1 of 2 hosts could not be read (host2) and 1 drifted");
    Run downText = tarmac("status", "demo", "--env", "servers");
    assertThat(downText.out()).containsPattern("host2 .*UNREACHABLE: ");

    // a plan with a host down fails a CI pre-flight: exit 9, the host and its error on stderr
    Run planDown = tarmac("release", "demo", "v1.1.0", "--env", "servers", "--plan");
    assertThat(planDown.exit())
        .as(planDown.out() + planDown.err())
        .isEqualTo(CliException.HOSTS_UNREACHABLE);
    Run planJson = tarmac("release", "demo", "v1.1.0", "--env", "servers", "--plan", "--json");
    assertThat(planJson.exit()).isEqualTo(CliException.HOSTS_UNREACHABLE);
    String problem = planJson.json().path("hosts").get(1).path("problem").asText();
    assertThat(problem).startsWith("host2: connect failed: ").doesNotContain("\n");
    assertThat(planDown.err())
        .isEqualTo(
            "tarmac: 1 of 2 hosts could not be read: the plan is incomplete, and a release now"
                + " would fail there\n  host2: "
                + problem.replaceFirst("^host2: ", "") // the host named once
                + "\n");
    assertThat(planJson.err()).isEqualTo(planDown.err());
    assertThat(planDown.out()).containsPattern("host2 +- +UNREACHABLE: connect failed: ");
  }

  /**
   * A build and hosts that print terminal escapes (a window title, a clear, a clipboard write):
   * {@code tarmac log} keeps the build's colours and nothing else, and the failed build's error,
   * {@code status}, the plan, a fenced release's lines and error and {@code history} carry no
   * control character (docs/cli.md, "Text from hosts and builds"). An app and hosts of their own.
   */
  @Test
  void noBuildsOrHostsControlSequenceReachesTheTerminal() throws Exception {
    Path repo = dir.resolve("hostile-repo");
    DemoCommand.copyTree(
        Path.of(System.getProperty("tarmac.home")).resolve("docs/examples/sample-app"), repo);
    Path hosts = dir.resolve("hostile-hosts");
    String yml =
        Files.readString(repo.resolve("tarmac.yml"))
            .replace("app: demo", "app: hostile")
            .replace("/tmp/tarmac-demo/hosts", hosts.toString());
    String loud =
        "  commands:\n"
            + "    - \"printf 'built \\\\033[31mred\\\\033[0m \\\\033]0;owned\\\\007\\\\033[2J"
            + " done\\\\n'\"\n";
    // v1.1.0's prepare hook gives web2's host lock to an owner named with escapes: the next
    // command that changes web2 is refused (exit 76) naming that owner
    String lock = hosts.resolve("web2/.tarmac/lock").toString();
    String thief =
        "  hooks:\n"
            + "    prepare: [\"if [ $TARMAC_HOST = web2 ]; then echo other > "
            + lock
            + "/id; printf 'mallory\\\\033]0;owned\\\\007\\\\033[2J' > "
            + lock
            + "/owner; fi\"]\n";
    String failing =
        "  commands:\n    - \"printf 'oops \\\\033]52;c;aGk=\\\\007\\\\033[2J'; exit 1\"\n";
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("tarmac.yml"), yml.replace("  commands:\n", loud));
      DemoCommand.commitAndTag(git, "v1.0.0", 0);
      Files.writeString(
          repo.resolve("tarmac.yml"),
          yml.replace("  commands:\n", loud).replace("  hooks:\n", thief));
      DemoCommand.commitAndTag(git, "v1.1.0", 1);
      Files.writeString(repo.resolve("tarmac.yml"), yml.replace("  commands:\n", failing));
      DemoCommand.commitAndTag(git, "v1.2.0", 2);
    }
    assertThat(tarmac("apps", "add", "hostile", repo.toUri().toString()).exit()).isZero();
    Run built = tarmac("build", "hostile", "v1.0.0");
    assertThat(built.exit()).as(built.err()).isZero();

    Run log = tarmac("log", "hostile", "v1.0.0");
    assertThat(log.exit()).as(log.err()).isZero();
    assertThat(log.out())
        .contains("built \u001b[31mred\u001b[0m \uFFFD]0;owned\uFFFD\uFFFD[2J done\n")
        .doesNotContain("\u0007", "\u001b]", "\u001b[2J");

    Run broken = tarmac("build", "hostile", "v1.2.0");
    assertThat(broken.exit()).isEqualTo(CliException.REMOTE);
    assertThat(broken.err())
        .contains("oops \uFFFD]52;c;aGk=\uFFFD\uFFFD[2J")
        .doesNotContain("\u001b", "\u0007");

    assertThat(tarmac("env", "import", "hostile", "demo", "--from", "v1.0.0").exit()).isZero();
    Run released = tarmac("release", "hostile", "v1.0.0", "--env", "demo");
    assertThat(released.exit()).as(released.out() + released.err()).isZero();
    Path web2 = hosts.resolve("web2");
    Files.createDirectories(web2.resolve("releases/v0\u001b]0;owned\u0007"));
    Files.writeString(web2.resolve("releases/v1.0.0/REVISION"), "c0ffee\u001b[2J\n");
    Run status = tarmac("status", "hostile", "--env", "demo");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("v0\uFFFD]0;owned\uFFFD")
        .contains("c0ffee\uFFFD[2J")
        .doesNotContain("\u001b", "\u0007");
    assertThat(tarmac("build", "hostile", "v1.1.0").exit()).isZero();
    Run plan = tarmac("release", "hostile", "v1.1.0", "--env", "demo", "--plan");
    assertThat(plan.exit()).as(plan.err()).isZero();
    assertThat(plan.out()).doesNotContain("\u001b", "\u0007");

    Run fenced = tarmac("release", "hostile", "v1.1.0", "--env", "demo");
    assertThat(fenced.exit()).as(fenced.out() + fenced.err()).isEqualTo(CliException.REMOTE);
    assertThat(fenced.err())
        .contains("fenced off")
        .contains("the host lock now belongs to mallory\uFFFD]0;owned\uFFFD\uFFFD[2J");
    assertThat(fenced.out() + fenced.err()).doesNotContain("\u001b", "\u0007");
    Run history = tarmac("history", "hostile", "--env", "demo");
    assertThat(history.out()).contains("FAILED").doesNotContain("\u001b", "\u0007");
  }
}
