package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The cap on logins at once ({@code tarmac.ssh.max-logins}; issue 25, Kamal's issue #326). */
class LoginsTest {

  @Test
  void neverMoreThanTheCapAtOnceAndEveryoneGetsATurn() throws Exception {
    Logins logins = Logins.of(3);
    ExecutorService pool = Executors.newFixedThreadPool(12);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Duration>> done = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String host = "h" + i;
      done.add(
          pool.submit(
              () -> {
                go.await();
                try (Logins.Slot slot = logins.enter(host)) {
                  Thread.sleep(30);
                  return slot.waited();
                }
              }));
    }
    go.countDown();
    List<Duration> waited = new ArrayList<>();
    for (Future<Duration> f : done) {
      waited.add(f.get());
    }
    pool.shutdown();
    assertThat(logins.peak()).isEqualTo(3);
    // 12 logins of 30 ms, 3 at a time: the last ones waited about three turns
    assertThat(waited.stream().mapToLong(Duration::toMillis).max().orElseThrow())
        .isGreaterThanOrEqualTo(80);
  }

  @Test
  void aSlotGivenBackTwiceCountsOnce() {
    Logins logins = new Logins(1, Duration.ofMillis(50));
    Logins.Slot slot = logins.enter("a");
    slot.close();
    slot.close();
    try (Logins.Slot again = logins.enter("b")) {
      // a second release would have made room for two
      assertThatThrownBy(() -> logins.enter("c")).isInstanceOf(TransportException.class);
    }
    assertThat(logins.peak()).isEqualTo(1);
  }

  @Test
  void aWaitIsBoundedAndSaysWhatToChange() {
    Logins logins = new Logins(2, Duration.ofSeconds(1));
    Logins.Slot a = logins.enter("a");
    Logins.Slot b = logins.enter("b");
    assertThatThrownBy(() -> logins.enter("web3 (deploy@10.0.0.3:22)"))
        .isInstanceOf(TransportException.class)
        .hasMessage(
            "web3 (deploy@10.0.0.3:22): no login started within 1 s: all 2 logins at once"
                + " (tarmac.ssh.max-logins) stayed busy with other hosts; raise the setting or find"
                + " the hosts whose logins are slow");
    a.close();
    b.close();
  }

  @Test
  void aCapBelowOneIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> Logins.of(0))
        .hasMessage("tarmac.ssh.max-logins must be 1 or more (it was 0)");
  }
}
