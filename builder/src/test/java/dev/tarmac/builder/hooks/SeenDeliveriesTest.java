package dev.tarmac.builder.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeenDeliveriesTest {
  @TempDir Path dir;

  @Test
  void aHandledIdIsRefusedAgainAlsoAfterARestart() {
    Path file = dir.resolve("data/webhook-deliveries.txt");
    SeenDeliveries seen = new SeenDeliveries(file, 10);
    assertThat(seen.claim("github:a")).isTrue();
    assertThat(seen.claim("github:a")).as("being handled").isFalse();
    seen.done("github:a");
    assertThat(seen.claim("github:a")).isFalse();
    assertThat(seen.claim("gitlab:a")).isTrue();

    assertThat(new SeenDeliveries(file, 10).claim("github:a")).as("after a restart").isFalse();
  }

  @Test
  void aFailedDeliveryCanBeRetried() {
    SeenDeliveries seen = new SeenDeliveries(dir.resolve("d.txt"), 10);
    assertThat(seen.claim("github:x")).isTrue();
    seen.release("github:x");
    assertThat(seen.claim("github:x")).isTrue();
  }

  @Test
  void onlyTheLastCapacityIdsAreKeptAndTheFileStaysBounded() throws Exception {
    Path file = dir.resolve("d.txt");
    SeenDeliveries seen = new SeenDeliveries(file, 100);
    for (int i = 0; i < 1000; i++) {
      assertThat(seen.claim("github:" + i)).isTrue();
      seen.done("github:" + i);
    }
    assertThat(seen.size()).isEqualTo(100);
    assertThat(seen.seen("github:899")).isFalse();
    assertThat(seen.seen("github:900")).isTrue();
    assertThat(Files.readAllLines(file).size()).isBetween(100, 200);

    SeenDeliveries again = new SeenDeliveries(file, 100);
    assertThat(again.size()).isEqualTo(100);
    assertThat(again.seen("github:999")).isTrue();
    assertThat(again.seen("github:899")).isFalse();
  }

  @Test
  void idsAreCheckedBeforeUse() {
    assertThat(SeenDeliveries.valid("72d3162e-cc78-11e3-81ab-4c9367dc0958")).isTrue();
    assertThat(SeenDeliveries.valid("")).isFalse();
    assertThat(SeenDeliveries.valid("a b")).isFalse();
    assertThat(SeenDeliveries.valid("x".repeat(201))).isFalse();
  }
}
