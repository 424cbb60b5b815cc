package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.distributor.model.BuildRecord;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Deltas ahead of the release: one build at a time, at most one waiting per app. */
class DeltasAheadQueueTest {
  private static BuildRecord build(String app, String version) {
    Instant t = Instant.parse("2026-11-27T10:00:00Z");
    return new BuildRecord(app, version, version, "c0ffee", "ab", 1, 1, "cd", "", t, t, t);
  }

  @Test
  void aBurstOfBuildsIsWorkedOneAtATimeAndOnlyTheNewestWaitingBuildOfAnAppIsKept()
      throws Exception {
    // threads to spare: one at a time must come from the queue, not from the executor
    ExecutorService worker = Executors.newCachedThreadPool();
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> made = new CopyOnWriteArrayList<>();
    List<String> logged = new CopyOnWriteArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(3);
    DeltasAheadQueue queue =
        new DeltasAheadQueue(
            worker,
            b -> {
              most.accumulateAndGet(running.incrementAndGet(), Math::max);
              firstStarted.countDown();
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              made.add(b.app() + " " + b.version());
              running.decrementAndGet();
              done.countDown();
            },
            logged::add);
    try {
      queue.offer(build("shop", "v1"));
      assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
      // v1 is being worked on: v2, v3 and v4 arrive; only v4 waits; blog's v7 waits beside it
      queue.offer(build("shop", "v2"));
      queue.offer(build("blog", "v7"));
      queue.offer(build("shop", "v3"));
      queue.offer(build("shop", "v4"));
      assertThat(queue.waiting()).isEqualTo(2);
      release.countDown();
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      worker.shutdown();
      assertThat(worker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

      assertThat(made).containsExactly("shop v1", "shop v4", "blog v7");
      assertThat(most.get()).isEqualTo(1);
      assertThat(logged)
          .containsExactly(
              "deltas ahead of releasing shop v2: not made, v3 was published before they started"
                  + " (a release makes them itself)",
              "deltas ahead of releasing shop v3: not made, v4 was published before they started"
                  + " (a release makes them itself)");
    } finally {
      release.countDown();
      worker.shutdownNow();
    }
  }

  @Test
  void aFailureIsLoggedAndTheNextBuildIsStillWorked() throws Exception {
    ExecutorService worker = Executors.newSingleThreadExecutor();
    List<String> logged = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    DeltasAheadQueue queue =
        new DeltasAheadQueue(
            worker,
            b -> {
              if (b.app().equals("bad")) {
                throw new IllegalStateException("the store said no");
              }
              done.countDown();
            },
            logged::add);
    try {
      queue.offer(build("bad", "v1"));
      queue.offer(build("good", "v1"));
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(logged)
          .containsExactly(
              "deltas ahead of releasing bad v1: the store said no (a release makes them itself)");
    } finally {
      worker.shutdownNow();
    }
  }

  @Test
  void anErrorInOneBuildDoesNotStopTheQueueForGood() throws Exception {
    ExecutorService worker = Executors.newSingleThreadExecutor();
    CountDownLatch done = new CountDownLatch(1);
    List<String> logged = new CopyOnWriteArrayList<>();
    DeltasAheadQueue queue =
        new DeltasAheadQueue(
            worker,
            b -> {
              if (b.app().equals("bad")) {
                throw new OutOfMemoryError("Java heap space"); // not a RuntimeException
              }
              done.countDown();
            },
            logged::add);
    try {
      queue.offer(build("bad", "v1"));
      queue.offer(build("good", "v1"));
      assertThat(done.await(10, TimeUnit.SECONDS))
          .as("good v1 worked after bad v1's error")
          .isTrue();
      assertThat(logged)
          .containsExactly(
              "deltas ahead of releasing bad v1: Java heap space (a release makes them itself)");
    } finally {
      worker.shutdownNow();
    }
  }

  @Test
  void aStoppedServiceDropsEachBuildWithALine() {
    ExecutorService worker = Executors.newSingleThreadExecutor();
    worker.shutdownNow();
    List<String> logged = new CopyOnWriteArrayList<>();
    DeltasAheadQueue queue = new DeltasAheadQueue(worker, b -> {}, logged::add);
    queue.offer(build("shop", "v1"));
    queue.offer(build("shop", "v2"));
    assertThat(queue.waiting()).isZero();
    assertThat(logged)
        .containsExactly(
            "deltas ahead of releasing shop v1: not made, the service is stopping (a release makes"
                + " them itself)",
            "deltas ahead of releasing shop v2: not made, the service is stopping (a release makes"
                + " them itself)");
  }
}
