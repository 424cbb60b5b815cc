package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.model.Version;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole release engine over three {@code local} hosts (the same commands as over SSH). */
class LocalReleaseIT {
  @TempDir Path tmp;
  DeployFixture fx;
  Path hosts;

  @BeforeEach
  void setUp() throws Exception {
    fx = new DeployFixture(tmp.resolve("fx"), (host, env) -> new LocalTransport(host.name()));
    hosts = Files.createDirectories(tmp.resolve("hosts"));
  }

  @AfterEach
  void tearDown() {
    fx.close();
  }

  String config(String extraRelease) {
    return "app: shop\n"
        + "release:\n"
        + "  keep: 3\n"
        + "  shared: [public/uploads, .env]\n"
        + "  hooks:\n"
        + "    prepare: [\"echo prepared $TARMAC_VERSION on $TARMAC_HOST > prepared.txt\"]\n"
        + "    migrate: [\"echo $TARMAC_VERSION $TARMAC_HOST >> $TARMAC_SHARED_DIR/migrations.log\"]\n"
        + "    activate: [\"echo $TARMAC_VERSION >> $TARMAC_SHARED_DIR/activated.log\"]\n"
        + extraRelease
        + "environments:\n"
        + "  prod:\n"
        + "    hosts:\n"
        + "      - { name: web1, address: local, deploy_to: "
        + hosts.resolve("web1")
        + ", roles: [web, db] }\n"
        + "      - { name: web2, address: local, deploy_to: "
        + hosts.resolve("web2")
        + " }\n"
        + "      - { name: web3, address: local, deploy_to: "
        + hosts.resolve("web3")
        + " }\n";
  }

  String live(String host) throws Exception {
    Path link = hosts.resolve(host).resolve("current");
    return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).toString() : null;
  }

  @Test
  void releasesEverywhereMigratesOnceAndRollsBack() throws Exception {
    fx.publish("shop", "v1", config(""));
    fx.publish("shop", "v2", config(""));

    ReleaseRecord first =
        fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
    assertThat(first.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(first.previousVersion()).isNull();
    for (String h : List.of("web1", "web2", "web3")) {
      Path d = hosts.resolve(h);
      assertThat(live(h)).isEqualTo("releases/v1");
      assertThat(d.resolve("current/public/index.html")).content().contains("release v1");
      assertThat(d.resolve("current/REVISION")).content().isEqualTo("c0ffee1\n");
      assertThat(d.resolve("current/prepared.txt"))
          .content()
          .isEqualTo("prepared v1 on " + h + "\n");
      assertThat(Files.readSymbolicLink(d.resolve("releases/v1/public/uploads")).toString())
          .isEqualTo("../../../shared/public/uploads");
      assertThat(d.resolve("shared/public/uploads")).isDirectory();
      assertThat(d.resolve(".tarmac/lock")).doesNotExist();
      assertThat(Files.list(d.resolve(".tarmac/downloads"))).isEmpty();
    }
    assertThat(hosts.resolve("web1/shared/migrations.log")).content().isEqualTo("v1 web1\n");
    assertThat(hosts.resolve("web2/shared/migrations.log")).doesNotExist();

    ReleaseRecord second =
        fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), fx.options());
    assertThat(second.previousVersion()).isEqualTo("v1");
    assertThat(second.activationWindowMs()).isNotNull().isLessThan(1000);
    // v1 was on every host: only what changed crossed the network
    assertThat(first.hosts()).allMatch(h -> h.transfer().mode().equals("full"));
    assertThat(second.hosts())
        .allMatch(h -> h.transfer().mode().equals("delta") && h.transfer().from().equals("v1"));
    assertThat(second.hosts().get(0).transfer().bytes())
        .isLessThan(first.hosts().get(0).transfer().bytes());
    assertThat(second.hosts())
        .extracting(ReleaseRecord.HostRecord::name)
        .containsExactly("web1", "web2", "web3");
    assertThat(second.hosts().get(0).tasks())
        .extracting(ReleaseRecord.TaskRecord::name)
        .containsSubsequence(
            "connect",
            "lock host",
            "check",
            "download delta",
            "link shared",
            "prepare hooks",
            "migrate",
            "switch",
            "activate hooks",
            "log revision",
            "cleanup",
            "unlock");
    assertThat(hosts.resolve("web1/shared/migrations.log"))
        .content()
        .isEqualTo("v1 web1\nv2 web1\n");
    for (String h : List.of("web1", "web2", "web3")) {
      assertThat(live(h)).isEqualTo("releases/v2");
      assertThat(hosts.resolve(h).resolve(".tarmac/revisions.log"))
          .content()
          .contains(" v2 c0ffee2 #2 by tester");
    }
    EnvStatus status = fx.deployer.status(AppName.of("shop"), EnvName.of("prod"));
    assertThat(status.recorded()).isEqualTo("v2");
    assertThat(status.drift()).isFalse();
    assertThat(status.hosts().get(1).releases()).containsExactly("v1", "v2");

    ReleaseRecord back =
        fx.deployer.rollback(
            AppName.of("shop"), EnvName.of("prod"), Optional.empty(), false, false, fx.options());
    assertThat(back.kind()).isEqualTo("rollback");
    assertThat(back.version()).isEqualTo("v1");
    assertThat(back.status()).isEqualTo(ReleaseStatus.LIVE);
    for (String h : List.of("web1", "web2", "web3")) {
      assertThat(live(h)).isEqualTo("releases/v1");
      assertThat(hosts.resolve(h).resolve("shared/activated.log"))
          .content()
          .isEqualTo("v1\nv2\nv1\n");
    }
    List<ReleaseRecord> history = fx.deployer.history(AppName.of("shop"), EnvName.of("prod"));
    assertThat(history).extracting(ReleaseRecord::id).containsExactly(3L, 2L, 1L);
    assertThat(history.get(1).status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
    // no download during the rollback
    assertThat(back.hosts().get(0).tasks())
        .extracting(ReleaseRecord.TaskRecord::name)
        .doesNotContain("download");

    // a second rollback walks further back: there is nothing before v1
    assertThatThrownBy(
            () ->
                fx.deployer.rollback(
                    AppName.of("shop"),
                    EnvName.of("prod"),
                    Optional.empty(),
                    false,
                    false,
                    fx.options()))
        .hasMessageContaining("no earlier good release");
    // status notices a host that drifted
    Files.delete(hosts.resolve("web3/current"));
    Files.createSymbolicLink(hosts.resolve("web3/current"), Path.of("releases/v2"));
    EnvStatus drifted = fx.deployer.status(AppName.of("shop"), EnvName.of("prod"));
    assertThat(drifted.hosts())
        .extracting(EnvStatus.HostStatus::drift)
        .containsExactly(false, false, true);
  }

  @Test
  void aVersionRolledBackFromIsReleasedAgainWithoutMakingOrFetchingAnything() throws Exception {
    fx.publish("shop", "v1", config(""));
    fx.publish("shop", "v2", config(""));
    fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
    fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), fx.options());
    fx.deployer.rollback(
        AppName.of("shop"), EnvName.of("prod"), Optional.empty(), false, false, fx.options());
    assertThat(live("web1")).isEqualTo("releases/v1");

    ReleaseRecord again =
        fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), fx.options());
    assertThat(again.status()).isEqualTo(ReleaseStatus.LIVE);
    for (ReleaseRecord.HostRecord h : again.hosts()) {
      assertThat(h.transfer().mode()).as(h.name()).isEqualTo("none");
      assertThat(h.tasks())
          .extracting(ReleaseRecord.TaskRecord::name)
          .as(h.name() + ": v2 is on its disk already")
          .doesNotContain("make delta", "download delta", "download")
          .contains("check", "link shared", "switch");
    }
    for (String h : List.of("web1", "web2", "web3")) {
      assertThat(live(h)).isEqualTo("releases/v2");
    }
    // every host serves what the history says is live
    assertThat(fx.deployer.status(AppName.of("shop"), EnvName.of("prod")).drift()).isFalse();
  }

  @Test
  void aDeltaMadeAheadWhenTheBuildIsPublishedIsTheOneTheReleaseSends() throws Exception {
    fx.publish("shop", "v1", config(""));
    fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
    var v2 = fx.publish("shop", "v2", config(""));
    String record = StoreLayout.deltaRecord("shop", "v1", "v2");
    assertThat(fx.store.exists(record)).isFalse();

    assertThat(fx.deployer.deltasAhead(v2))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("prod: delta v1 → v2 ready, ");
    assertThat(fx.store.exists(record)).isTrue();
    Object made =
        Files.getAttribute(fx.store.path(StoreLayout.delta("shop", "v1", "v2")), "unix:ino");
    // asked again (a second service's build, a retry): found, not made again
    assertThat(fx.deployer.deltasAhead(v2))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("prod: delta v1 → v2 ready, ");
    assertThat(Files.getAttribute(fx.store.path(StoreLayout.delta("shop", "v1", "v2")), "unix:ino"))
        .as("asked again: the delta was found, not made again")
        .isEqualTo(made);

    // a service restarted in between: another Deployer, the same store
    Deployer restarted = new Deployer(fx.store, (host, env) -> new LocalTransport(host.name()));
    ReleaseRecord second =
        restarted.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), fx.options());
    assertThat(second.hosts())
        .allMatch(h -> h.transfer().mode().equals("delta") && h.transfer().from().equals("v1"));
    assertThat(Files.getAttribute(fx.store.path(StoreLayout.delta("shop", "v1", "v2")), "unix:ino"))
        .as("the release used the delta made ahead; it did not make it again")
        .isEqualTo(made);

    // nothing live, or the build is what is live: nothing to make
    assertThat(fx.deployer.deltasAhead(v2)).containsExactly("prod: v2 is live");
  }

  @Test
  void aFailingHostsWordsReachTheErrorWithoutControlCharacters() throws Exception {
    fx.publish(
        "shop",
        "v1",
        config("")
            .replace(
                "echo prepared $TARMAC_VERSION on $TARMAC_HOST > prepared.txt",
                "printf 'broken\\\\033]0;owned\\\\007\\\\033[2J'; exit 1"));
    assertThatThrownBy(
            () ->
                fx.deployer.release(
                    AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options()))
        .isInstanceOf(ReleaseFailedException.class)
        .hasMessageContaining("prepare hooks failed")
        .hasMessageContaining("broken")
        .hasMessageNotContaining("\u001b")
        .hasMessageNotContaining("\u0007");
    ReleaseRecord failed = fx.deployer.history(AppName.of("shop"), EnvName.of("prod")).get(0);
    assertThat(failed.error()).contains("broken").doesNotContain("\u001b", "\u0007");
  }

  /**
   * A host's names (a release directory, the {@code current} link's target, {@code REVISION}, a bad
   * mark) enter the status answer and the plan as printable text: no ESC, BEL or CR reaches the
   * API, the dashboard or {@code tarmac status} (docs/architecture.md, "What a host prints").
   */
  @Test
  void statusAndPlanShowAHostsNamesWithoutControlCharacters() throws Exception {
    fx.publish("shop", "v1", config(""));
    fx.publish("shop", "v2", config(""));
    fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
    String title = "\u001b]0;owned\u0007";
    String clear = "\r\u001b[2J";
    Path web2 = hosts.resolve("web2");
    Files.createDirectories(web2.resolve("releases/v0" + title));
    Files.writeString(web2.resolve("releases/v1/REVISION"), "c0ffee1" + clear + "\n");
    Files.createDirectories(web2.resolve(".tarmac/bad"));
    Files.writeString(web2.resolve(".tarmac/bad/v9" + clear), "");
    Path web3 = hosts.resolve("web3");
    Files.createDirectories(web3.resolve("releases/v1" + clear));
    Files.delete(web3.resolve("current"));
    Files.createSymbolicLink(web3.resolve("current"), Path.of("releases/v1" + clear));

    EnvStatus status = fx.deployer.status(AppName.of("shop"), EnvName.of("prod"));
    assertThat(status.toString()).doesNotContain("\u001b", "\u0007", "\r");
    EnvStatus.HostStatus two = status.hosts().get(1);
    assertThat(two.releases()).contains("v0\uFFFD]0;owned\uFFFD");
    assertThat(two.revision()).isEqualTo("c0ffee1\uFFFD\uFFFD[2J");
    assertThat(two.bad()).containsExactly("v9\uFFFD\uFFFD[2J");
    EnvStatus.HostStatus three = status.hosts().get(2);
    assertThat(three.live()).isEqualTo("v1\uFFFD\uFFFD[2J");
    assertThat(three.drift()).isTrue();

    ReleasePreview plan =
        fx.deployer.plan(AppName.of("shop"), EnvName.of("prod"), Version.of("v2"));
    assertThat(plan.toString()).doesNotContain("\u001b", "\u0007", "\r");
    assertThat(plan.hosts().get(1).removes()).contains("v0\uFFFD]0;owned\uFFFD");
    // web3 serves a name that is no version: the plan names the host's refusal, printable
    assertThat(plan.hosts().get(2).problem())
        .contains("'v1\uFFFD\uFFFD[2J' is not a valid version");
  }

  /**
   * A host that refuses a command because its lock is no longer this run's (exit 76) says who holds
   * it, from the host's {@code .tarmac/lock/owner}: that text reaches the error, the record and the
   * timeline printable, as any other host output.
   */
  @Test
  void aFencedRunsErrorCarriesNoControlCharacters() throws Exception {
    // the prepare hook (itself fenced, so it runs) gives web2's lock to someone else: the next
    // command that changes web2 is refused with exit 76, naming the owner the host has on file
    String meta = hosts.resolve("web2/.tarmac/lock").toString();
    fx.publish(
        "shop",
        "v1",
        config("")
            .replace(
                "echo prepared $TARMAC_VERSION on $TARMAC_HOST > prepared.txt",
                "if [ $TARMAC_HOST = web2 ]; then echo other > "
                    + meta
                    + "/id; printf 'mallory\\\\033]0;owned\\\\007\\\\033[2J' > "
                    + meta
                    + "/owner; fi"));
    assertThatThrownBy(
            () ->
                fx.deployer.release(
                    AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options()))
        .isInstanceOf(ReleaseFailedException.class)
        .hasMessageContaining("fenced off")
        .hasMessageContaining("the host lock now belongs to mallory")
        .hasMessageNotContaining("\u001b")
        .hasMessageNotContaining("\u0007");
    ReleaseRecord failed = fx.deployer.history(AppName.of("shop"), EnvName.of("prod")).get(0);
    assertThat(failed.status()).isEqualTo(ReleaseStatus.FAILED);
    assertThat(failed.error())
        .contains("the host lock now belongs to mallory\uFFFD]0;owned\uFFFD\uFFFD[2J")
        .doesNotContain("\u001b", "\u0007");
    assertThat(failed.toString()).doesNotContain("\u001b", "\u0007");
    assertThat(fx.events.toString()).doesNotContain("\u001b", "\u0007");
  }

  @Test
  void sharedFilesSurviveFiveReleasesAndTwoRollbacks() throws Exception {
    for (int i = 1; i <= 5; i++) {
      fx.publish("shop", "v" + i, config(""));
    }
    Files.createDirectories(hosts.resolve("web2/shared"));
    Files.writeString(hosts.resolve("web2/shared/.env"), "SECRET=1\n");
    for (int i = 1; i <= 5; i++) {
      fx.deployer.release(
          AppName.of("shop"), EnvName.of("prod"), Version.of("v" + i), fx.options());
      // a user uploads a file through the live release
      Files.writeString(
          hosts.resolve("web2/current/public/uploads/upload" + i + ".jpg"), "photo " + i);
      if (i == 3 || i == 5) {
        fx.deployer.rollback(
            AppName.of("shop"), EnvName.of("prod"), Optional.empty(), false, false, fx.options());
        Files.writeString(
            hosts.resolve("web2/current/public/uploads/after-rollback" + i + ".jpg"), "r");
      }
    }
    assertThat(live("web2")).isEqualTo("releases/v4");
    try (var files = Files.list(hosts.resolve("web2/current/public/uploads"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "upload1.jpg",
              "upload2.jpg",
              "upload3.jpg",
              "upload4.jpg",
              "upload5.jpg",
              "after-rollback3.jpg",
              "after-rollback5.jpg");
    }
    assertThat(hosts.resolve("web2/shared/.env")).content().isEqualTo("SECRET=1\n");
    assertThat(hosts.resolve("web2/current/.env")).content().isEqualTo("SECRET=1\n");
    // keep: 3 — live (v4), the one before it, and the newest good ones
    try (var dirs = Files.list(hosts.resolve("web2/releases"))) {
      assertThat(dirs.map(p -> p.getFileName().toString())).hasSize(3).contains("v4", "v5");
    }
  }

  @Test
  void aCorruptArtifactActivatesNothingAnywhere() throws Exception {
    fx.publish("shop", "v1", config(""));
    fx.publish("shop", "v2", config(""));
    fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
    Path artifact = fx.store.path(StoreLayout.artifact("shop", "v2"));
    byte[] bytes = Files.readAllBytes(artifact);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(artifact, bytes);

    assertThatThrownBy(
            () ->
                fx.deployer.release(
                    AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), fx.options()))
        .isInstanceOf(ReleaseFailedException.class)
        .hasMessageContaining("prepare failed on 3 of 3 hosts")
        .hasMessageContaining("web2: download failed")
        .hasMessageContaining("sha256")
        .hasMessageContaining("v1 still serves");
    for (String h : List.of("web1", "web2", "web3")) {
      assertThat(live(h)).isEqualTo("releases/v1");
      assertThat(hosts.resolve(h).resolve("releases/v2")).doesNotExist();
      assertThat(hosts.resolve(h).resolve("releases/v2.partial")).doesNotExist();
      assertThat(hosts.resolve(h).resolve(".tarmac/lock")).doesNotExist();
    }
    assertThat(hosts.resolve("web1/shared/migrations.log")).content().isEqualTo("v1 web1\n");
    assertThat(fx.deployer.history(AppName.of("shop"), EnvName.of("prod")).get(0).status())
        .isEqualTo(ReleaseStatus.FAILED);
    assertThat(fx.store.exists(StoreLayout.lock("shop", "prod"))).isFalse();
  }

  @Test
  void aHealthCheckFailingOnOneHostSwitchesEveryHostBack() throws Exception {
    HttpServer health = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    health.createContext(
        "/health/",
        ex -> {
          boolean bad = ex.getRequestURI().getPath().endsWith("/web3");
          byte[] body = (bad ? "broken" : "ok").getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(bad ? 503 : 200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    health.start();
    try {
      String healthYaml =
          "  health: { url: \"http://127.0.0.1:"
              + health.getAddress().getPort()
              + "/health/{host}\", timeout: 1s }\n";
      fx.publish("shop", "v1", config(""));
      // v2 comes with activate hooks of its own: switching back must run v1's, not v2's
      fx.publish(
          "shop",
          "v2",
          config(healthYaml)
              .replace(
                  "activate: [\"echo $TARMAC_VERSION",
                  "activate: [\"echo by the v2 hook $TARMAC_VERSION")
              // and a contract migration, which must not run: not every host serves v2
              .replace(
                  "    activate: [",
                  "    contract: [\"echo $TARMAC_VERSION >> $TARMAC_SHARED_DIR/contracted.log\"]\n"
                      + "    activate: ["));
      fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());

      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), fx.options()))
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageContaining("every host was switched back")
          .hasMessageContaining("web3: health failed")
          .hasMessageContaining("answered 503");
      for (String h : List.of("web1", "web2", "web3")) {
        assertThat(live(h)).isEqualTo("releases/v1");
        assertThat(hosts.resolve(h).resolve(".tarmac/bad/v2")).exists();
        // v2's activate hooks ran, then v1's own again (those of v1's tarmac.yml)
        assertThat(hosts.resolve(h).resolve("shared/activated.log"))
            .content()
            .isEqualTo("v1\nby the v2 hook v2\nv1\n");
      }
      ReleaseRecord failed = fx.deployer.history(AppName.of("shop"), EnvName.of("prod")).get(0);
      assertThat(failed.status()).isEqualTo(ReleaseStatus.FAILED);
      // v2's migration ran before the switch: switching back does not undo it, and the record
      // (so the CLI and the dashboard) says so, with the way back (issue 26, item 3)
      assertThat(hosts.resolve("web1/shared/migrations.log"))
          .content()
          .isEqualTo("v1 web1\nv2 web1\n");
      assertThat(failed.error())
          .startsWith(
              "shop v2 to prod: activation failed; every host was switched back (v1 still serves):\n")
          .endsWith(
              "\nThe migration of v2 ran on web1 and stays applied: the database is migrated for v2"
                  + " while v1 serves (no dump was taken before it: there is no backup hook). If v1"
                  + " cannot run on it, restore the database by hand (tarmac rollback"
                  + " --restore-database cannot: there is no earlier release to go back to). Its"
                  + " contract"
                  + " migration did not run: it runs only once every host serves v2"
                  + " (docs/releasing.md, \"Expand and contract\").");
      assertThat(hosts.resolve("web1/shared/contracted.log")).doesNotExist();
      assertThat(failed.contractOn()).isNull();
      assertThat(failed.hosts().get(2).tasks())
          .extracting(ReleaseRecord.TaskRecord::name)
          .contains("switch", "health", "switch back");
      // a bad release is never a rollback target
      assertThatThrownBy(
              () ->
                  fx.deployer.rollback(
                      AppName.of("shop"),
                      EnvName.of("prod"),
                      Optional.of(Version.of("v2")),
                      false,
                      false,
                      fx.options()))
          .isInstanceOf(NeverLiveException.class)
          .hasMessageStartingWith(
              "v2 was never live in shop/prod; a rollback goes back to a version"
                  + " that was: v1 ");
      assertThat(live("web1")).isEqualTo("releases/v1");
    } finally {
      health.stop(0);
    }
  }

  @Test
  void aSecondReleaseToTheSameEnvironmentIsRefusedNamingTheHolder() throws Exception {
    String slow = "    prepare: [\"sleep 2\"]\n";
    fx.publish(
        "shop",
        "v1",
        config("")
            .replace(
                "    prepare: [\"echo prepared $TARMAC_VERSION on $TARMAC_HOST > prepared.txt\"]\n",
                slow));
    fx.publish("shop", "v2", config(""));
    CompletableFuture<ReleaseRecord> first =
        CompletableFuture.supplyAsync(
            () ->
                fx.deployer.release(
                    AppName.of("shop"),
                    EnvName.of("prod"),
                    Version.of("v1"),
                    ReleaseOptions.defaults("alice")));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!fx.store.exists(StoreLayout.lock("shop", "prod")) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThatThrownBy(
            () ->
                fx.deployer.release(
                    AppName.of("shop"),
                    EnvName.of("prod"),
                    Version.of("v2"),
                    ReleaseOptions.defaults("bob")))
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("shop/prod is locked by alice (release v1 since");
    assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(ReleaseStatus.LIVE);
    for (String h : List.of("web1", "web2", "web3")) {
      assertThat(live(h)).isEqualTo("releases/v1");
      assertThat(hosts.resolve(h).resolve("releases/v2")).doesNotExist();
    }
  }

  @Test
  void anExpiredLockIsTakenOverAndForceUnlockTakesAnyLock() throws Exception {
    fx.publish("shop", "v1", config(""));
    fx.publish("shop", "v2", config(""));
    Instant past = Instant.now().minus(Duration.ofHours(1));
    fx.store.put(
        StoreLayout.lock("shop", "prod"),
        Json.write(new EnvLock.Info("crashed-ci", "release", "v0", past, past, "t1")));
    assertThat(
            fx.deployer
                .release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options())
                .status())
        .isEqualTo(ReleaseStatus.LIVE);

    Instant future = Instant.now().plus(Duration.ofHours(1));
    fx.store.put(
        StoreLayout.lock("shop", "prod"),
        Json.write(new EnvLock.Info("carol", "release", "v9", Instant.now(), future, "t2")));
    assertThatThrownBy(
            () ->
                fx.deployer.release(
                    AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), fx.options()))
        .hasMessageContaining("locked by carol")
        .hasMessageContaining("--force-unlock");
    assertThat(live("web1")).isEqualTo("releases/v1");
    assertThat(
            fx.deployer
                .release(
                    AppName.of("shop"),
                    EnvName.of("prod"),
                    Version.of("v2"),
                    fx.options().withForceUnlock(true))
                .status())
        .isEqualTo(ReleaseStatus.LIVE);
    assertThat(live("web1")).isEqualTo("releases/v2");
  }

  @Test
  void aReleaseThatLosesItsLockStopsBeforeActivating() throws Exception {
    fx.publish("shop", "v1", config(""));
    String slow =
        config("")
            .replace(
                "    prepare: [\"echo prepared $TARMAC_VERSION on $TARMAC_HOST > prepared.txt\"]\n",
                "    prepare: [\"sleep 3\"]\n");
    fx.publish("shop", "v2", slow);
    fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
    CompletableFuture<Void> thief =
        CompletableFuture.runAsync(
            () -> {
              try {
                // between two renewals (every 1 s): a renewal racing the write would overwrite it
                Thread.sleep(1500);
                Instant now = Instant.now();
                fx.store.put(
                    StoreLayout.lock("shop", "prod"),
                    Json.write(
                        new EnvLock.Info(
                            "mallory", "release", "v9", now, now.plusSeconds(600), "x")));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    assertThatThrownBy(
            () ->
                fx.deployer.release(
                    AppName.of("shop"),
                    EnvName.of("prod"),
                    Version.of("v2"),
                    fx.options().withLease(Duration.ofSeconds(2))))
        .isInstanceOf(ReleaseFailedException.class)
        .hasMessageContaining("fenced off: the environment lock was taken by mallory")
        .hasMessageContaining("nothing was activated (v1 still serves)");
    thief.get();
    for (String h : List.of("web1", "web2", "web3")) {
      assertThat(live(h)).isEqualTo("releases/v1");
      assertThat(hosts.resolve(h).resolve("releases/v2")).doesNotExist();
      assertThat(hosts.resolve(h).resolve(".tarmac/lock")).doesNotExist();
    }
    // the lock is mallory's, not removed by the stopped release
    assertThat(new String(fx.store.readAllBytes(StoreLayout.lock("shop", "prod"))))
        .contains("mallory");
  }

  @Test
  void aSlowDownloadReportsItsProgress() throws Exception {
    java.nio.file.Path tree =
        dev.tarmac.deploy.testing.TestBuilds.sampleTree(Files.createTempDirectory(tmp, "t"), "v1");
    byte[] noise = new byte[600_000];
    new java.util.Random(1).nextBytes(noise);
    Files.write(tree.resolve("public/photo.jpg"), noise);
    dev.tarmac.distributor.model.BuildRecord build =
        dev.tarmac.deploy.testing.TestBuilds.publish(fx.store, "shop", "v1", tree, config(""));
    fx.http.throttle(300_000);
    fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
    List<ReleaseEvent> progress =
        fx.events.stream()
            .filter(e -> e.kind() == ReleaseEvent.Kind.PROGRESS && "web2".equals(e.host()))
            .toList();
    assertThat(progress).isNotEmpty();
    assertThat(progress).allMatch(e -> e.task().equals("download") && e.total() == build.size());
    assertThat(progress).anyMatch(e -> e.bytes() > 0 && e.bytes() < build.size());
  }

  @Test
  void aReleaseLeftUnfinishedByAStoppedServiceIsMarkedFailedByTheNextOne() throws Exception {
    fx.publish("shop", "v1", config(""));
    ReleaseHistory history = new ReleaseHistory(fx.store, "shop", "prod");
    ReleaseRecord stale =
        history.create(
            id ->
                ReleaseRecord.started(
                    id,
                    "shop",
                    "prod",
                    ReleaseRecord.RELEASE,
                    "v0",
                    "c0",
                    null,
                    "crashed",
                    Instant.now().minusSeconds(3600)));
    ReleaseRecord live =
        fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
    assertThat(live.id()).isEqualTo(stale.id() + 1);
    ReleaseRecord marked = history.get(stale.id()).orElseThrow();
    assertThat(marked.status()).isEqualTo(ReleaseStatus.FAILED);
    assertThat(marked.error()).contains("interrupted");
    assertThat(history.live().orElseThrow().version()).isEqualTo("v1");
  }
}
