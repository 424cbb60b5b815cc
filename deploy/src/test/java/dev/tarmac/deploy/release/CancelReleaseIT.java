package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cancelled release over two {@code local} hosts stops at the next safe point
 * (docs/architecture.md, "Cancelling a release"): before the switch nothing is activated and what
 * it prepared is removed; after the switch every host is switched back. The flag is raised by the
 * run's own progress events, so the test knows which phase it was raised in.
 */
class CancelReleaseIT {
  @TempDir Path tmp;
  DeployFixture fx;
  Path hosts;
  final AtomicBoolean cancel = new AtomicBoolean();

  @BeforeEach
  void setUp() throws Exception {
    fx = new DeployFixture(tmp.resolve("fx"), (host, env) -> new LocalTransport(host.name()));
    hosts = Files.createDirectories(tmp.resolve("hosts"));
    fx.publish("shop", "v1", config());
    fx.publish("shop", "v2", config());
    assertThat(
            fx.deployer
                .release(AppName.of("shop"), EnvName.of("prod"), Version.of("v1"), fx.options())
                .status())
        .isEqualTo(ReleaseStatus.LIVE);
  }

  @AfterEach
  void tearDown() {
    fx.close();
  }

  String config() {
    return "app: shop\n"
        + "release:\n"
        + "  hooks:\n"
        + "    activate: [\"echo $TARMAC_VERSION >> $TARMAC_SHARED_DIR/activated.log\"]\n"
        + "environments:\n"
        + "  prod:\n"
        + "    hosts:\n"
        + "      - { name: web1, address: local, deploy_to: "
        + hosts.resolve("web1")
        + " }\n"
        + "      - { name: web2, address: local, deploy_to: "
        + hosts.resolve("web2")
        + " }\n";
  }

  /** Raises the flag when {@code task} has finished on a host. */
  ReleaseOptions cancelAfter(String task) {
    fx.onEvent(
        e -> {
          if (task.equals(e.task()) && e.kind() == ReleaseEvent.Kind.OK) {
            cancel.set(true);
          }
        });
    return fx.options().withCancelled(cancel::get);
  }

  String live(String host) throws Exception {
    return Files.readSymbolicLink(hosts.resolve(host).resolve("current")).toString();
  }

  @Test
  void cancelledDuringPrepareActivatesNothingAndRemovesWhatItPrepared() throws Exception {
    assertThatThrownBy(
            () ->
                fx.deployer.release(
                    AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), cancelAfter("check")))
        .isInstanceOf(ReleaseFailedException.class)
        .satisfies(
            e -> {
              ReleaseRecord r = ((ReleaseFailedException) e).record();
              assertThat(r.status()).isEqualTo(ReleaseStatus.FAILED);
              assertThat(r.error())
                  .isEqualTo(
                      "shop v2 to prod: cancelled before the switch; nothing was activated (v1"
                          + " still serves)");
            });
    for (String h : List.of("web1", "web2")) {
      assertThat(live(h)).isEqualTo("releases/v1");
      assertThat(hosts.resolve(h).resolve("releases/v2")).doesNotExist();
      assertThat(hosts.resolve(h).resolve(".tarmac/lock")).doesNotExist();
    }
    assertThat(fx.events)
        .anyMatch(e -> e.task().equals("cancel") && e.message().contains("before the switch"));
    // nothing is left locked: the next release goes through
    cancel.set(false);
    fx.onEvent(e -> {});
    assertThat(
            fx.deployer
                .release(AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), fx.options())
                .status())
        .isEqualTo(ReleaseStatus.LIVE);
  }

  @Test
  void cancelledAfterTheSwitchSwitchesEveryHostBack() throws Exception {
    assertThatThrownBy(
            () ->
                fx.deployer.release(
                    AppName.of("shop"),
                    EnvName.of("prod"),
                    Version.of("v2"),
                    cancelAfter("switch")))
        .isInstanceOf(ReleaseFailedException.class)
        .hasMessageContaining("cancelled after the switch; every host was switched back");
    for (String h : List.of("web1", "web2")) {
      assertThat(live(h)).isEqualTo("releases/v1");
      assertThat(hosts.resolve(h).resolve("shared/activated.log"))
          .content()
          .isEqualTo("v1\nv2\nv1\n");
      assertThat(hosts.resolve(h).resolve(".tarmac/lock")).doesNotExist();
    }
    assertThat(fx.deployer.history(AppName.of("shop"), EnvName.of("prod")).get(0).status())
        .isEqualTo(ReleaseStatus.FAILED);
  }

  @Test
  void notCancelledRunsToTheEnd() throws Exception {
    ReleaseOptions options = fx.options().withCancelled(cancel::get);
    assertThat(
            fx.deployer
                .release(AppName.of("shop"), EnvName.of("prod"), Version.of("v2"), options)
                .status())
        .isEqualTo(ReleaseStatus.LIVE);
    assertThat(live("web1")).isEqualTo("releases/v2");
  }
}
