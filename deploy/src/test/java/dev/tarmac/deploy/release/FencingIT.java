package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.testing.CurrentPoller;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A colleague's {@code --force-unlock} while a release is still preparing: the first run is fenced
 * off — it never switches, never cleans up, never removes the newer run's files — and at the end
 * every host serves what the history says is LIVE.
 */
class FencingIT {

  @Test
  void aForcedUnlockFencesTheRunningReleaseOff() throws Exception {
    Path work = DeployFixture.workDir("fencing-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 3, 44);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      String base = ssh.tarmacYml("fence", "");
      String slow =
          base.replace(
              "app: fence\n", "app: fence\nrelease:\n  hooks:\n    prepare: [\"sleep 6\"]\n");
      fx.publish("fence", "e8", base);
      fx.publish("fence", "e9", slow);
      fx.publish("fence", "e7", base);
      fx.deployer.release(AppName.of("fence"), EnvName.of("prod"), Version.of("e8"), fx.options());

      List<Path> links = ssh.hosts().stream().map(h -> h.root().resolve("current")).toList();
      CountDownLatch hooksRunning = new CountDownLatch(3);
      fx.onEvent(
          e -> {
            if ("prepare hooks".equals(e.task()) && e.kind() == ReleaseEvent.Kind.STARTED) {
              hooksRunning.countDown();
            }
          });
      try (CurrentPoller poller = new CurrentPoller(links)) {
        CompletableFuture<Throwable> first =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    fx.deployer.release(
                        AppName.of("fence"), EnvName.of("prod"), Version.of("e9"), fx.options());
                    return null;
                  } catch (Throwable t) {
                    return t;
                  }
                });
        assertThat(hooksRunning.await(30, TimeUnit.SECONDS)).isTrue();
        fx.onEvent(e -> {});
        ReleaseRecord second =
            fx.deployer.release(
                AppName.of("fence"),
                EnvName.of("prod"),
                Version.of("e7"),
                fx.options().withForceUnlock(true));
        assertThat(second.status()).isEqualTo(ReleaseStatus.LIVE);

        Throwable failed = first.get(60, TimeUnit.SECONDS);
        assertThat(failed)
            .isInstanceOf(ReleaseFailedException.class)
            .hasMessageContaining("fenced off");
        // the first run never switched any host: the only change seen from outside is e7
        assertThat(poller.changes())
            .extracting(CurrentPoller.Change::target)
            .containsOnly("releases/e7");
      }
      for (SshHosts.Host h : ssh.hosts()) {
        Path root = h.root();
        assertThat(Files.readSymbolicLink(root.resolve("current")).toString())
            .isEqualTo("releases/e7");
        assertThat(root.resolve("releases/e7/public/index.html")).exists();
        assertThat(root.resolve("releases/e8")).exists();
        assertThat(root.resolve(".tarmac/lock")).doesNotExist();
      }
      List<ReleaseRecord> history = fx.deployer.history(AppName.of("fence"), EnvName.of("prod"));
      assertThat(ReleaseHistory.live(history).orElseThrow().version()).isEqualTo("e7");
      assertThat(
              history.stream()
                  .filter(r -> r.version().equals("e9"))
                  .findFirst()
                  .orElseThrow()
                  .status())
          .isEqualTo(ReleaseStatus.FAILED);
      EnvStatus status = fx.deployer.status(AppName.of("fence"), EnvName.of("prod"));
      assertThat(status.hosts()).noneMatch(EnvStatus.HostStatus::drift);
    }
  }

  /**
   * Issue 21 item 8: a forced unlock during a long migration. The run that takes over ends the old
   * run's migration on the host (its whole process tree) before it touches the host's directories,
   * and the old run says that its lock was taken, and by whom — not that the migration is broken.
   */
  @Test
  void aForcedUnlockEndsTheOldRunsMigrationAndTheOldRunSaysItsLockWasTaken() throws Exception {
    Path work = DeployFixture.workDir("fencing-migrate-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 2, 46);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      String base = ssh.tarmacYml("fencem", "");
      String migrating =
          ssh.tarmacYml("fencem", "release:\n  hooks:\n    migrate: [\"sleep 17.25\"]\n");
      fx.publish("fencem", "m1", base);
      fx.publish("fencem", "m2", migrating);
      fx.publish("fencem", "m3", base);
      fx.deployer.release(AppName.of("fencem"), EnvName.of("prod"), Version.of("m1"), fx.options());

      CountDownLatch migrationRunning = new CountDownLatch(1);
      fx.onEvent(
          e -> {
            if ("migrate".equals(e.task()) && e.kind() == ReleaseEvent.Kind.STARTED) {
              migrationRunning.countDown();
            }
          });
      CompletableFuture<Throwable> first =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  fx.deployer.release(
                      AppName.of("fencem"),
                      EnvName.of("prod"),
                      Version.of("m2"),
                      ReleaseOptions.defaults("ann").withListener(fx.options().listener()));
                  return null;
                } catch (Throwable t) {
                  return t;
                }
              });
      assertThat(migrationRunning.await(60, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(500); // the migration's sleep has started on the db host
      assertThat(sleeping()).isNotEmpty();
      fx.onEvent(e -> {});

      ReleaseRecord second =
          fx.deployer.release(
              AppName.of("fencem"),
              EnvName.of("prod"),
              Version.of("m3"),
              fx.options().withForceUnlock(true));
      assertThat(second.status()).isEqualTo(ReleaseStatus.LIVE);
      assertThat(
              second.hosts().get(0).tasks().stream()
                  .filter(t -> t.name().equals("lock host"))
                  .findFirst()
                  .orElseThrow()
                  .detail())
          .endsWith("and ended 1 commands of the old run");

      // the old run ended long before its 17 s migration would have
      Throwable failed = first.get(10, TimeUnit.SECONDS);
      assertThat(failed)
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageStartingWith(
              "fencem m2 to prod: fenced off: the environment lock was taken by tester while"
                  + " this release ran")
          .hasMessageNotContaining("migration failed")
          .hasMessageNotContaining("getcwd");
      assertThat(sleeping()).isEmpty();
      for (SshHosts.Host h : ssh.hosts()) {
        assertThat(Files.readSymbolicLink(h.root().resolve("current")).toString())
            .isEqualTo("releases/m3");
        assertThat(h.root().resolve(".tarmac/bad/m2")).doesNotExist();
      }
    }
  }

  /** The migration's process, seen from this machine (the simulated hosts are processes here). */
  private static List<ProcessHandle> sleeping() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.isAlive())
        .filter(p -> p.info().commandLine().orElse("").endsWith("sleep 17.25"))
        .toList();
  }
}
