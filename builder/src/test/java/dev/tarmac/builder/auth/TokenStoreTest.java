package dev.tarmac.builder.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
  @TempDir Path dir;

  private TokenStore start() {
    TokenStore store = new TokenStore(dir, Optional.empty(), Clock.systemUTC());
    store.bootstrap();
    return store;
  }

  @Test
  void theFirstStartWritesAnAdminTokenThatLaterStartsReadBack() throws Exception {
    start();
    Path file = dir.resolve("api-token");
    String secret = Files.readString(file).strip();
    assertThat(secret).matches("tarmac_[0-9a-f]{64}");
    for (Path p : List.of(file, dir.resolve("tokens.json"))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
          .as(p.toString())
          .isEqualTo("rw-------");
    }
    assertThat(Files.readString(dir.resolve("tokens.json"))).doesNotContain(secret);

    TokenStore restarted = start();
    assertThat(Files.readString(file).strip()).isEqualTo(secret);
    assertThat(restarted.verify(secret)).map(Token::role).contains(Role.ADMIN);
    assertThat(restarted.verify(secret)).map(Token::name).contains("admin");
  }

  /**
   * A request's token check runs on the event loop (issue 25: the loop blocked 2–3 s in a
   * synchronized verify): it must not wait while the store is busy writing a token.
   */
  @Test
  void aTokenCheckDoesNotWaitForTheStoresLock() throws Exception {
    TokenStore store = start();
    String secret = Files.readString(dir.resolve("api-token")).strip();
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    Thread busy =
        new Thread(
            () -> {
              synchronized (store) { // as a create or revoke writing tokens.json
                held.countDown();
                try {
                  done.await(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });
    busy.start();
    held.await();
    try {
      var check = java.util.concurrent.CompletableFuture.supplyAsync(() -> store.verify(secret));
      assertThat(check.get(5, java.util.concurrent.TimeUnit.SECONDS)).isPresent();
      assertThat(store.verify("tarmac_not-a-token")).isEmpty();
    } finally {
      done.countDown();
      busy.join();
    }
  }

  @Test
  void aTokenFromAnOlderVersionIsKept() throws Exception {
    Files.writeString(
        dir.resolve("api-token"), "0123456789abcdef0123456789abcdef0123456789abcdef\n");
    TokenStore store = start();
    assertThat(store.verify("0123456789abcdef0123456789abcdef0123456789abcdef")).isPresent();
  }

  @Test
  void revokedTokensStayRevokedAcrossRestarts() {
    TokenStore store = start();
    String secret = store.create("ci", Role.DEPLOYER, List.of("staging")).token();
    assertThat(store.verify(secret)).map(t -> t.reaches("staging")).contains(true);
    assertThat(store.verify(secret)).map(t -> t.reaches("production")).contains(false);
    store.revoke("ci");
    assertThat(store.verify(secret)).isEmpty();
    assertThat(start().verify(secret)).isEmpty();
    // revoking the first admin token removes its file, and a restart does not make a new one
    store.revoke("admin");
    assertThat(dir.resolve("api-token")).doesNotExist();
    assertThat(start().list()).isEmpty();
    assertThat(dir.resolve("api-token")).doesNotExist();
  }

  /** A revoked token is told, already refused, so its open event streams end (OpenStreams). */
  @Test
  void aRevokedTokenIsToldOnceItIsRefused() {
    TokenStore store = start();
    String secret = store.create("ci", Role.VIEWER, null).token();
    List<String> told = new java.util.ArrayList<>();
    store.onRevoke(
        t -> told.add(t.name() + " " + store.stillValid(t) + " " + store.verify(secret)));
    store.revoke("ci");
    assertThat(told).containsExactly("ci false Optional.empty");
    assertThatThrownBy(() -> store.revoke("ci")).hasMessageContaining("no token named 'ci'");
    assertThat(told).hasSize(1);
  }

  @Test
  void badRequestsNameWhatToFixAndChangeNothing() throws Exception {
    TokenStore store = start();
    String before = Files.readString(dir.resolve("tokens.json"));
    assertThatThrownBy(() -> store.create("has space", Role.VIEWER, List.of()))
        .hasMessageContaining("token name 'has space' is not valid");
    assertThatThrownBy(() -> store.create("v", Role.VIEWER, List.of("prod")))
        .hasMessageContaining("--role deployer");
    assertThatThrownBy(() -> store.create("d", Role.DEPLOYER, List.of("Prod!")))
        .hasMessageContaining("'Prod!' is not a valid environment name");
    assertThatThrownBy(() -> store.create("admin", Role.VIEWER, List.of()))
        .hasMessageContaining("already a token named 'admin'");
    assertThatThrownBy(() -> Role.parse("root")).hasMessageContaining("viewer, deployer or admin");
    assertThat(Files.readString(dir.resolve("tokens.json"))).isEqualTo(before);
  }

  @Test
  void aConfiguredTokenWritesNoFile() {
    TokenStore store = new TokenStore(dir, Optional.of("from-env"), Clock.systemUTC());
    store.bootstrap();
    assertThat(dir.resolve("api-token")).doesNotExist();
    assertThat(store.verify("from-env")).map(Token::role).contains(Role.ADMIN);
    assertThatThrownBy(() -> store.revoke("admin")).hasMessageContaining("tarmac.api-token");
  }
}
