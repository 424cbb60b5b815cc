package dev.tarmac.deploy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.store.ConfigValues.Change;
import dev.tarmac.deploy.store.ConfigValues.Resolved;
import dev.tarmac.deploy.store.ConfigValues.Revision;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.testing.FsStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values and secrets as immutable revisions on a real fs store; the app's overlaid by the env's.
 */
class ConfigValuesTest {
  static final String JWT = "jwt-secret-value-0001";
  static final String DB_PASSWORD = "db-password-value-0002";

  @TempDir Path root;
  @TempDir Path data;
  ArtifactStore store;
  ConfigValues config;

  @BeforeEach
  void store() {
    store = FsStores.in(root);
    config = new ConfigValues(store, SecretBox.open(data));
  }

  @Test
  void eachChangeIsARevisionWithWhoWhenAndWhatChanged() {
    Revision r1 =
        config.set(
            "shop", null, "ann", new Change().plain("HOST", "0.0.0.0").secret("JWT_SECRET", JWT));
    assertThat(r1.number()).isEqualTo(1);
    assertThat(r1.who()).isEqualTo("ann");
    assertThat(r1.changed()).containsExactly("HOST", "JWT_SECRET");
    Revision r2 =
        config.set("shop", null, "bob", new Change().plain("HOST", "0.0.0.0").plain("A", "1"));
    assertThat(r2.number()).isEqualTo(2);
    assertThat(r2.changed()).containsExactly("A"); // HOST was that already
    assertThat(r2.values()).containsOnlyKeys("A", "HOST", "JWT_SECRET");
    assertThat(r2.values().get("JWT_SECRET").by()).isEqualTo("ann");
    // the same again changes nothing and writes nothing
    assertThat(config.set("shop", null, "bob", new Change().plain("A", "1")).number()).isEqualTo(2);
    Revision r3 = config.set("shop", null, "cy", new Change().unset("A"));
    assertThat(r3.changed()).containsExactly("A");
    assertThat(config.revision("shop", null, 2)).isEqualTo(r2);
    assertThat(config.latest("shop", null)).isEqualTo(r3);
    assertThat(store.list("apps/shop/config/").stream().map(ObjectInfo::key))
        .containsExactly(
            "apps/shop/config/app/r00000001.json",
            "apps/shop/config/app/r00000002.json",
            "apps/shop/config/app/r00000003.json");
    assertThat(config.revisions("shop", null, 2)).containsExactly(r3, r2);
  }

  @Test
  void aSecretIsStoredSealedAndShownOnlyAsItsFingerprint() {
    config.set("shop", "prod", "ann", new Change().secret("JWT_SECRET", JWT));
    for (ObjectInfo o : store.list("apps/")) {
      assertThat(new String(store.readAllBytes(o.key()), StandardCharsets.UTF_8))
          .doesNotContain(JWT);
    }
    Revision r = config.latest("shop", "prod");
    assertThat(ConfigValues.shown(r).get("JWT_SECRET"))
        .matches("\\(secret\\) hmac-sha256:[0-9a-f]{16}");
    assertThat(r.toString()).doesNotContain(JWT);
  }

  @Test
  void theEnvironmentOverridesTheAppAndTheResolvedValuesNameRevisionsOnly() {
    config.set("shop", null, "ann", new Change().plain("HOST", "0.0.0.0").plain("LOG", "info"));
    config.set("shop", "prod", "ann", new Change().plain("LOG", "warn").secret("JWT_SECRET", JWT));
    config.set("shop", "staging", "ann", new Change().secret("JWT_SECRET", DB_PASSWORD));
    Resolved prod = config.resolve("shop", "prod");
    assertThat(prod.values())
        .containsExactly(
            java.util.Map.entry("HOST", "0.0.0.0"),
            java.util.Map.entry("JWT_SECRET", JWT),
            java.util.Map.entry("LOG", "warn"));
    assertThat(prod.secretValues()).containsExactly(JWT);
    assertThat(prod.appRevision()).isEqualTo(1);
    assertThat(prod.envRevision()).isEqualTo(1);
    assertThat(prod.toString()).isEqualTo("config app r1, env r1 [HOST, JWT_SECRET, LOG]");
    assertThat(config.resolve("shop", "staging").values().get("JWT_SECRET")).isEqualTo(DB_PASSWORD);

    config.set("shop", "prod", "bob", new Change().secret("JWT_SECRET", DB_PASSWORD));
    Resolved after = config.resolve("shop", "prod");
    assertThat(after.changedSince(prod)).containsExactly("JWT_SECRET");
    assertThat(config.resolve("shop", "prod", 1, 1).values().get("JWT_SECRET")).isEqualTo(JWT);
    assertThat(after.changedSince(Resolved.none())).containsExactly("HOST", "JWT_SECRET", "LOG");
  }

  @Test
  void badNamesValuesAndBoundsAreRefusedAndChangeNothing() {
    assertThatThrownBy(() -> config.set("shop", null, "ann", new Change().plain("db_url", "x")))
        .hasMessage(
            "'db_url' is not a configuration name: use A-Z, 0-9 and _, not starting with a digit,"
                + " at most 128 (such as DB_URL)");
    assertThatThrownBy(() -> config.set("shop", null, "ann", new Change().plain("TARMAC_APP", "x")))
        .hasMessage(
            "TARMAC_APP: names starting with TARMAC_ are Tarmac's own"
                + " (docs/configuration-and-secrets.md)");
    assertThatThrownBy(
            () -> config.set("shop", "prod", "ann", new Change().plain("BIG", "x".repeat(65537))))
        .hasMessage(
            "the value of BIG is 65537 bytes, more than 65536 (64 KiB); keep large files in"
                + " release.shared instead; nothing was changed");
    assertThatThrownBy(() -> config.set("shop", null, "ann", new Change().plain("N", "a\0b")))
        .hasMessage(
            "the value of N holds a NUL byte, which no environment variable can; nothing was"
                + " changed");
    assertThatThrownBy(() -> config.set("shop", null, "ann", new Change().secret("S", "short")))
        .hasMessage(
            "the secret S is 5 characters, fewer than 8: too short to be cut out of what hosts"
                + " print; set a longer one, or set it as a plain value; nothing was changed");
    assertThatThrownBy(() -> config.set("shop", "prod", "ann", new Change().unset("NOPE")))
        .hasMessage(
            "NOPE is not set in shop prod; nothing was changed (tarmac config list shop prod"
                + " shows what is)");
    assertThatThrownBy(
            () -> config.set("shop", null, "ann", new Change().plain("A", "1").unset("A")))
        .hasMessage("A is named twice in one change (set, secret or unset); name it once");
    Change many = new Change();
    for (int i = 0; i < 257; i++) {
      many.plain("N" + i, "v");
    }
    assertThatThrownBy(() -> config.set("shop", null, "ann", many))
        .hasMessage(
            "shop (app-wide) would hold 257 names, more than 256; unset some first (tarmac config"
                + " unset); nothing was changed");
    assertThat(store.list("apps/")).isEmpty();
    assertThat(config.latest("shop", null).number()).isZero();
  }

  @Test
  void twoWritersAtOnceGetTwoRevisions() throws Exception {
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int n = i;
      Thread t =
          new Thread(() -> config.set("shop", "prod", "w" + n, new Change().plain("V" + n, "x")));
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    Revision last = config.latest("shop", "prod");
    assertThat(last.number()).isEqualTo(4);
    assertThat(last.values()).hasSize(4);
  }

  /**
   * The hostile probe of 2026-12-07: 256 values of 64 KiB (16 MiB) were accepted, and every hook on
   * every host would then fail to start (Linux caps a program's environment and arguments at 2
   * MiB). Failed before the bound: the ninth value was written.
   */
  @Test
  void aScopeHoldsAtMostHalfAMebibyte() {
    String big = "x".repeat(ConfigValues.MAX_VALUE_BYTES - 16);
    for (int i = 0; i < 7; i++) {
      config.set("shop", "prod", "ann", new Change().plain("BIG_" + i, big));
    }
    long before = config.latest("shop", "prod").number();
    assertThatThrownBy(
            () ->
                config.set(
                    "shop", "prod", "ann", new Change().plain("BIG_7", big).plain("BIG_8", big)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "shop prod would hold 575 KiB of names and values, more than 512 KiB (every hook gets"
                + " them in its environment, which Linux caps at 2 MiB); keep large files in"
                + " release.shared instead, or unset some first (tarmac config unset); nothing was"
                + " changed");
    assertThat(config.latest("shop", "prod").number()).isEqualTo(before);
    // shrinking is always allowed
    assertThat(config.set("shop", "prod", "ann", new Change().unset("BIG_0")).number())
        .isEqualTo(before + 1);
  }

  /**
   * The hostile probe of 2026-12-07: writers at once never lose an update — each one that returns
   * has its name in the newest revision, and the revisions are numbered one after another.
   */
  @Test
  void concurrentWritersLoseNoUpdate() throws Exception {
    int writers = 8;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(writers);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<Revision>> done = new java.util.ArrayList<>();
    for (int i = 0; i < writers; i++) {
      String name = "W_" + i;
      done.add(
          pool.submit(
              () -> {
                go.await();
                return config.set("shop", "prod", name, new Change().plain(name, "1"));
              }));
    }
    go.countDown();
    List<String> written = new java.util.ArrayList<>();
    for (int i = 0; i < writers; i++) {
      try {
        done.get(i).get();
        written.add("W_" + i);
      } catch (java.util.concurrent.ExecutionException e) {
        // only "changed by others too often; try again", never a silent loss
        assertThat(e.getCause()).isInstanceOf(dev.tarmac.deploy.DeployException.class);
      }
    }
    pool.shutdown();
    Revision last = config.latest("shop", "prod");
    assertThat(last.values().keySet()).containsExactlyInAnyOrderElementsOf(written);
    assertThat(last.number()).isEqualTo(written.size());
    assertThat(written).isNotEmpty();
  }

  /**
   * The hostile probe of 2026-12-07: a deployer's plain LD_PRELOAD or PATH reaches every hook's
   * environment, so pointing it at a file the app's users upload runs the deployer's code on the
   * hosts. Failed before the fix (setPlain wrote both); an admin may still set them.
   */
  @Test
  void aDeployerSetsNoNameThatChangesHowProgramsStart() {
    for (String name : List.of("LD_PRELOAD", "PATH", "BASH_ENV", "NODE_OPTIONS")) {
      assertThatThrownBy(
              () ->
                  config.setPlain(
                      "shop", "staging", "dora", new Change().plain(name, "/srv/shop/up/x")))
          .isInstanceOf(ConfigValues.SecretNeedsAdmin.class)
          .hasMessage(
              name
                  + " changes how the hosts' programs start (the loader, a shell or a runtime"
                  + " reads it): setting or unsetting it needs an admin token");
    }
    assertThat(config.latest("shop", "staging").number()).isZero();
    assertThat(
            config.setPlain("shop", "staging", "dora", new Change().plain("PATHS", "a")).number())
        .isEqualTo(1);
    assertThat(
            config.set("shop", "staging", "ann", new Change().plain("PATH", "/usr/bin")).number())
        .isEqualTo(2);
  }
}
