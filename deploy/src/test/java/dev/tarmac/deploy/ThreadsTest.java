package dev.tarmac.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The pools of {@link Threads}: named daemon threads, and what each does past its bound. */
class ThreadsTest {
  @Test
  void upToRunsEveryTaskAtOnceUpToItsBoundAndRefusesTheNext() throws Exception {
    ThreadPoolExecutor pool = Threads.upTo("tarmac-test", 3, Duration.ofSeconds(30));
    CountDownLatch running = new CountDownLatch(3);
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < 3; i++) {
        pool.execute(
            () -> {
              running.countDown();
              await(release);
            });
      }
      // all three hold a thread at the same moment (the switch needs that: no queue)
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> pool.execute(() -> {}))
          .isInstanceOf(RejectedExecutionException.class);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void sharingRunsATaskPastItsThreadsAndQueueOnTheCallersThread() throws Exception {
    ExecutorService pool = Threads.sharing("tarmac-test-share", 1, 1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      pool.execute(() -> await(release)); // the one thread
      pool.execute(() -> {}); // the one waiting
      AtomicReference<String> ranOn = new AtomicReference<>();
      pool.execute(() -> ranOn.set(Thread.currentThread().getName()));

      assertThat(ranOn.get()).isEqualTo(Thread.currentThread().getName());
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void threadsAreDaemonsWithTheirOwnersName() throws Exception {
    ExecutorService single = Threads.single("tarmac-health", 1);
    try {
      Thread t = single.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
      assertThat(t.getName()).isEqualTo("tarmac-health");
      assertThat(t.isDaemon()).isTrue();
    } finally {
      single.shutdownNow();
    }
    Thread numbered = Threads.daemon("tarmac-prod", true).newThread(() -> {});
    assertThat(numbered.getName()).isEqualTo("tarmac-prod-1");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
