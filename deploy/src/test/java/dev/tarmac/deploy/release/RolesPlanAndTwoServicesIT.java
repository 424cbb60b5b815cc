package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Hooks by role, the dry run ({@code --plan}) that changes nothing, and two services (two stores)
 * releasing to the same hosts without taking each other's rollback targets.
 */
class RolesPlanAndTwoServicesIT {

  static String localConfig(Path hosts, String extraHooks) {
    return "app: shop\n"
        + "release:\n"
        + "  shared: [public/uploads]\n"
        + "  hooks:\n"
        + "    prepare: [\"echo prepared > prepared.txt\"]\n"
        + "    migrate: [\"echo $TARMAC_VERSION >> $TARMAC_SHARED_DIR/migrations.log\"]\n"
        + "    activate:\n"
        + "      - \"echo $TARMAC_HOST >> $TARMAC_SHARED_DIR/all.log\"\n"
        + "      - { run: \"echo $TARMAC_HOST >> $TARMAC_SHARED_DIR/worker.log\", roles: [worker] }\n"
        + extraHooks
        + "environments:\n"
        + "  prod:\n"
        + "    hosts:\n"
        + "      - { name: web1, address: local, deploy_to: "
        + hosts.resolve("web1")
        + ", roles: [web, db] }\n"
        + "      - { name: work1, address: local, deploy_to: "
        + hosts.resolve("work1")
        + ", roles: [worker] }\n"
        + "      - { name: work2, address: local, deploy_to: "
        + hosts.resolve("work2")
        + ", roles: [worker, web] }\n";
  }

  @Test
  void aRoleHookRunsOnlyOnHostsOfThatRole() throws Exception {
    Path work = DeployFixture.workDir("roles-");
    Path hosts = Files.createDirectories(work.resolve("hosts"));
    try (DeployFixture fx =
        new DeployFixture(work.resolve("fx"), (h, e) -> new LocalTransport(h.name()))) {
      fx.publish("shop", "v1", localConfig(hosts, ""));
      fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options());
      assertThat(hosts.resolve("web1/shared/worker.log")).doesNotExist();
      assertThat(hosts.resolve("work1/shared/worker.log")).content().isEqualTo("work1\n");
      assertThat(hosts.resolve("work2/shared/worker.log")).content().isEqualTo("work2\n");
      for (String h : List.of("web1", "work1", "work2")) {
        assertThat(hosts.resolve(h + "/shared/all.log")).content().isEqualTo(h + "\n");
      }
    }
  }

  /** Every file and link under a directory, with its content or target: what "changed" means. */
  static Map<String, String> fingerprint(Path root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.toList()) {
        String key = root.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.put(key, "-> " + Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p)) {
          out.put(
              key,
              Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1)
                  + " @"
                  + Files.getLastModifiedTime(p));
        } else {
          out.put(key, "dir @" + Files.getLastModifiedTime(p));
        }
      }
    }
    return out;
  }

  @Test
  void thePlanSaysWhatWouldHappenAndChangesNothing() throws Exception {
    Path work = DeployFixture.workDir("plan-");
    Path hosts = Files.createDirectories(work.resolve("hosts"));
    try (DeployFixture fx =
        new DeployFixture(work.resolve("fx"), (h, e) -> new LocalTransport(h.name()))) {
      String config = localConfig(hosts, "").replace("release:\n", "release:\n  keep: 2\n");
      for (String v : List.of("v1", "v2", "v3", "v4")) {
        fx.publish("shop", v, config);
      }
      for (String v : List.of("v1", "v2", "v3")) {
        fx.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of(v), fx.options());
      }
      Map<String, Map<String, String>> before = new TreeMap<>();
      for (String h : List.of("web1", "work1", "work2")) {
        before.put(h, fingerprint(hosts.resolve(h)));
      }
      String storeBefore = fingerprint(fx.dir.resolve("store")).toString();

      ReleasePreview plan =
          fx.deployer.plan(AppName.of("shop"), EnvName.of("prod"), Version.of("v4"));

      assertThat(plan.version()).isEqualTo("v4");
      assertThat(plan.live()).isEqualTo("v3");
      assertThat(plan.migrateHost()).isEqualTo("web1");
      assertThat(plan.hosts())
          .extracting(ReleasePreview.HostPreview::name)
          .containsExactly("web1", "work1", "work2");
      for (ReleasePreview.HostPreview h : plan.hosts()) {
        assertThat(h.problem()).isNull();
        assertThat(h.serves()).isEqualTo("v3");
        assertThat(h.transfer()).isEqualTo("delta");
        assertThat(h.from()).isEqualTo("v3");
        assertThat(h.bytes()).isNull(); // the delta v3 → v4 is made at release, not by a plan
        assertThat(h.removes()).containsExactly("v2");
        assertThat(h.hooks().get("activate")).hasSize(h.roles().contains("worker") ? 2 : 1);
      }
      assertThat(plan.hosts().get(0).hooks()).containsKeys("prepare", "migrate", "activate");
      assertThat(plan.hosts().get(1).hooks()).doesNotContainKey("migrate");

      for (String h : List.of("web1", "work1", "work2")) {
        assertThat(fingerprint(hosts.resolve(h))).as(h).isEqualTo(before.get(h));
      }
      assertThat(fingerprint(fx.dir.resolve("store")).toString()).isEqualTo(storeBefore);
    }
  }

  /**
   * Two services, each with its own store, release the same app to the same hosts: clean-up decides
   * from each host's own revision log, so neither takes the other's rollback target.
   */
  @Test
  void twoServicesReleasingToTheSameHostsLoseNoRollbackTarget() throws Exception {
    Path work = DeployFixture.workDir("two-services-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 2, 56);
        DeployFixture a =
            new DeployFixture(work.resolve("a"), Transports.standard(ssh.settings()));
        DeployFixture b =
            new DeployFixture(work.resolve("b"), Transports.standard(ssh.settings()))) {
      String config = ssh.tarmacYml("shop", "release:\n  keep: 3\n");
      a.publish("shop", "a1", config);
      a.publish("shop", "a2", config);
      b.publish("shop", "b1", config);
      a.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("a1"), a.options());
      a.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("a2"), a.options());
      b.deployer.release(AppName.of("shop"), EnvName.of("prod"), Version.of("b1"), b.options());

      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(h.root().resolve("releases/a1")).as(h.name()).exists();
      }
      ReleaseRecord back =
          a.deployer.rollback(
              AppName.of("shop"),
              EnvName.of("prod"),
              Optional.of(Version.of("a1")),
              false,
              false,
              a.options());
      assertThat(back.status()).isEqualTo(ReleaseStatus.LIVE);
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(Files.readSymbolicLink(h.root().resolve("current")).toString())
            .isEqualTo("releases/a1");
      }
    }
  }

  /**
   * Two services both reach run #1 of shop/prod on the same hosts: service B's history says its #1
   * finished, but the host lock is held by service A's #1, still preparing. B must not take it for
   * its own finished run and break it (which fenced A off before run numbers were told apart by
   * store); B is refused, naming the holder, and A goes live.
   */
  @Test
  void aServiceNeverBreaksAHostLockOfAnotherServicesRunningRelease() throws Exception {
    Path work = DeployFixture.workDir("two-services-lock-");
    Path hosts = Files.createDirectories(work.resolve("hosts"));
    try (DeployFixture a =
            new DeployFixture(work.resolve("a"), (h, e) -> new LocalTransport(h.name()));
        DeployFixture b =
            new DeployFixture(work.resolve("b"), (h, e) -> new LocalTransport(h.name()))) {
      String plain = localConfig(hosts, "");
      String slow = localConfig(hosts, "").replace("prepare: [", "prepare: [\"sleep 4\", ");
      b.publish("shop", "b1", plain);
      b.publish("shop", "b2", plain);
      a.publish("shop", "a1", slow);
      assertThat(
              b.deployer
                  .release(AppName.of("shop"), EnvName.of("prod"), Version.of("b1"), b.options())
                  .status())
          .isEqualTo(ReleaseStatus.LIVE);

      java.util.concurrent.CompletableFuture<ReleaseRecord> first =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () ->
                  a.deployer.release(
                      AppName.of("shop"), EnvName.of("prod"), Version.of("a1"), a.options()));
      Path lockId = hosts.resolve("web1/.tarmac/lock/id");
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!(Files.exists(lockId) && Files.readString(lockId).startsWith("1-"))) {
        assertThat(System.nanoTime()).as("service A holds the host lock").isLessThan(deadline);
        Thread.sleep(20);
      }
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  b.deployer.release(
                      AppName.of("shop"), EnvName.of("prod"), Version.of("b2"), b.options()))
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageContaining("lock is held by shop/prod#1 release a1");

      ReleaseRecord aDone = first.get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(aDone.status()).isEqualTo(ReleaseStatus.LIVE);
      for (String h : List.of("web1", "work1", "work2")) {
        assertThat(Files.readSymbolicLink(hosts.resolve(h + "/current")).toString())
            .as(h)
            .isEqualTo("releases/a1");
      }
    }
  }
}
