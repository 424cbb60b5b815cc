package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reads of the hosts that cannot pile up (issue 25): single flight and a bound. */
class StatusReadsTest {
  final ExecutorService pool = Executors.newFixedThreadPool(51);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** {@code reads.read(key, read)} on another thread. */
  <V> Future<V> reader(StatusReads<String, V> reads, String key, Supplier<V> read) {
    return pool.submit(() -> reads.read(key, read));
  }

  /** A read that counts itself, says it started, and ends once {@code release} opens. */
  static Supplier<String> held(
      AtomicInteger calls, CountDownLatch started, CountDownLatch release) {
    return () -> {
      calls.incrementAndGet();
      started.countDown();
      await(release);
      return "v2";
    };
  }

  @Test
  void fiftyReadersOfOneEnvironmentShareOneRead() throws Exception {
    StatusReads<String, String> reads = new StatusReads<>(8);
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    List<Future<String>> answers = new ArrayList<>();
    answers.add(reader(reads, "shop/production", held(calls, started, release)));
    started.await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 49; i++) {
      answers.add(
          reader(
              reads,
              "shop/production",
              () -> {
                calls.incrementAndGet();
                return "another read";
              }));
    }
    Thread.sleep(200); // the 49 are waiting for the one read
    release.countDown();

    for (Future<String> a : answers) {
      assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo("v2");
    }
    assertThat(calls).hasValue(1);
  }

  @Test
  void aReadThatCameBackIsAnsweredToNoLaterReader() {
    StatusReads<String, Integer> reads = new StatusReads<>(8);
    AtomicInteger calls = new AtomicInteger();

    assertThat(reads.read("shop/production", calls::incrementAndGet)).isEqualTo(1);
    // a host changed by hand in between: the next status shows it
    assertThat(reads.read("shop/production", calls::incrementAndGet)).isEqualTo(2);
  }

  @Test
  void pastTheBoundAReaderIsToldToComeBackAtOnceInsteadOfQueueing() throws Exception {
    StatusReads<String, String> reads = new StatusReads<>(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    Future<String> first =
        reader(reads, "shop/production", held(new AtomicInteger(), started, release));
    started.await(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> reads.read("blog/production", () -> "v9"))
        .isInstanceOfSatisfying(
            StatusReads.Busy.class,
            b -> {
              assertThat(b.status()).isEqualTo(503);
              assertThat(b.retryAfterSeconds()).isEqualTo(1);
            })
        .hasMessage(
            "the service is reading 1 environments' hosts already, the most it reads at once;"
                + " try again in 1 s");
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("v2");
    assertThat(reads.read("blog/production", () -> "v9")).isEqualTo("v9");
  }

  @Test
  void aFailedReadIsKeptByNoOne() {
    StatusReads<String, String> reads = new StatusReads<>(8);

    assertThatThrownBy(
            () ->
                reads.read(
                    "shop/production",
                    () -> {
                      throw new IllegalStateException("h1: no answer");
                    }))
        .hasMessage("h1: no answer");
    assertThat(reads.read("shop/production", () -> "v2")).isEqualTo("v2");
  }

  static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
