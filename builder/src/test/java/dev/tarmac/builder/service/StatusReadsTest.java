package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reads of the hosts that cannot pile up (issue 25): single flight, a second's reuse, a bound. */
class StatusReadsTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final ExecutorService pool = Executors.newFixedThreadPool(51);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void fiftyReadersOfOneEnvironmentShareOneRead() throws Exception {
    StatusReads<String, String> reads = new StatusReads<>(8, Duration.ofSeconds(1), now::get);
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    List<Future<String>> answers = new ArrayList<>();
    answers.add(
        pool.submit(
            () ->
                reads.read(
                    "shop/production",
                    () -> {
                      calls.incrementAndGet();
                      started.countDown();
                      await(release);
                      return "v2";
                    })));
    started.await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 49; i++) {
      answers.add(
          pool.submit(
              () ->
                  reads.read(
                      "shop/production",
                      () -> {
                        calls.incrementAndGet();
                        return "another read";
                      })));
    }
    Thread.sleep(200); // the 49 are waiting for the one read
    release.countDown();

    for (Future<String> a : answers) {
      assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo("v2");
    }
    assertThat(calls).hasValue(1);
  }

  @Test
  void aResultOfTheLastSecondIsAnsweredAgainThenReadAnew() {
    StatusReads<String, Integer> reads = new StatusReads<>(8, Duration.ofSeconds(1), now::get);
    AtomicInteger calls = new AtomicInteger();

    assertThat(reads.read("shop/production", calls::incrementAndGet)).isEqualTo(1);
    now.addAndGet(Duration.ofMillis(900).toNanos());
    assertThat(reads.read("shop/production", calls::incrementAndGet)).isEqualTo(1);
    now.addAndGet(Duration.ofMillis(200).toNanos());
    assertThat(reads.read("shop/production", calls::incrementAndGet)).isEqualTo(2);
    assertThat(reads.read("shop/staging", calls::incrementAndGet)).isEqualTo(3);
  }

  @Test
  void aSlowReadsResultCountsItsSecondFromWhenItCameBack() {
    StatusReads<String, Integer> reads = new StatusReads<>(8, Duration.ofSeconds(1), now::get);
    AtomicInteger calls = new AtomicInteger();

    reads.read(
        "shop/production",
        () -> {
          now.addAndGet(Duration.ofSeconds(3).toNanos()); // 16 hosts on a busy machine
          return calls.incrementAndGet();
        });
    now.addAndGet(Duration.ofMillis(500).toNanos());

    assertThat(reads.read("shop/production", calls::incrementAndGet)).isEqualTo(1);
  }

  @Test
  void whatAReleaseChangedIsReadAgainEvenByAReadBegunBeforeIt() {
    StatusReads<String, String> reads = new StatusReads<>(8, Duration.ofSeconds(1), now::get);
    String[] answer = {"v1"};

    reads.read(
        "shop/production",
        () -> {
          now.incrementAndGet();
          reads.forget("shop/production"); // the release ended while this read ran
          now.incrementAndGet();
          return "v1";
        });
    answer[0] = "v2";

    assertThat(reads.read("shop/production", () -> answer[0])).isEqualTo("v2");
  }

  @Test
  void pastTheBoundAReaderIsToldToComeBackAtOnceInsteadOfQueueing() throws Exception {
    StatusReads<String, String> reads = new StatusReads<>(1, Duration.ofSeconds(1), now::get);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    Future<String> first =
        pool.submit(
            () ->
                reads.read(
                    "shop/production",
                    () -> {
                      started.countDown();
                      await(release);
                      return "v2";
                    }));
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
    StatusReads<String, String> reads = new StatusReads<>(8, Duration.ofSeconds(1), now::get);

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
