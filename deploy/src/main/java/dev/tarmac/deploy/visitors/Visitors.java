package dev.tarmac.deploy.visitors;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A load generator standing in for visitors: one thread per host sends {@code GET /} over a new TCP
 * connection each time ({@code Connection: close}), loopback only, until {@link #close} or {@code
 * bound} has passed. Every answer is kept with the time it arrived, so a test or {@code tarmac
 * demo} measures what a visitor saw: failed requests, and when each host first answered a new
 * version (docs/processes.md, "What the demo shows").
 */
public final class Visitors implements AutoCloseable {
  /** One request: {@code host}'s index, when its answer ended ({@link System#nanoTime}). */
  public record Answer(int host, long at, int status, String body, String error) {
    public boolean failed() {
      return error != null || status != 200;
    }
  }

  /** The most of an answer a visitor reads: a page naming its version, never a download. */
  static final int MAX_ANSWER = 64 * 1024;

  private final List<InetSocketAddress> targets;

  /**
   * Per host, its answers in the order they came: each list written by its host's thread alone. (A
   * copy-on-write list of all answers copied every answer kept at each new one: tens of thousands
   * of answers in a run made that quadratic, on the CPU of what the visitors measure.)
   */
  private final List<List<Answer>> byHost = new ArrayList<>();

  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final java.time.Instant baseInstant = java.time.Instant.now();
  private final long baseNanos = System.nanoTime();

  /**
   * Starts visiting {@code targets}, each a loopback address (anything else is refused: a load
   * generator sends nothing off this machine), for at most {@code bound}.
   */
  public Visitors(List<InetSocketAddress> targets, Duration bound) {
    this(targets, bound, Duration.ZERO);
  }

  /**
   * The same, each visitor waiting {@code pause} between two requests (on a machine of few cores,
   * visitors that never pause take the CPU of what they measure).
   */
  public Visitors(List<InetSocketAddress> targets, Duration bound, Duration pause) {
    for (InetSocketAddress t : targets) {
      if (t.getAddress() == null || !t.getAddress().isLoopbackAddress()) {
        throw new IllegalArgumentException(
            "visitors only visit loopback addresses (127.0.0.0/8, ::1), not " + t);
      }
    }
    this.targets = List.copyOf(targets);
    for (int i = 0; i < targets.size(); i++) {
      byHost.add(java.util.Collections.synchronizedList(new ArrayList<>()));
    }
    long end = System.nanoTime() + bound.toNanos();
    for (int i = 0; i < targets.size(); i++) {
      int host = i;
      Thread t =
          new Thread(
              () -> {
                while (!stop.get() && System.nanoTime() < end) {
                  byHost.get(host).add(get(host));
                  if (!pause.isZero()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(pause.toNanos());
                  }
                }
              },
              "visitor-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  private Answer get(int host) {
    InetSocketAddress target = targets.get(host);
    try (Socket s = new Socket()) {
      s.connect(target, 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET / HTTP/1.1\r\nHost: visitor\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      for (int n; all.size() < MAX_ANSWER && (n = in.read(buf)) > 0; ) {
        all.write(buf, 0, Math.min(n, MAX_ANSWER - all.size()));
      }
      String text = all.toString(StandardCharsets.UTF_8);
      long at = System.nanoTime();
      int head = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.") || head < 0) {
        return new Answer(host, at, 0, text, "not an HTTP answer: " + text);
      }
      int status = Integer.parseInt(text.substring(9, 12));
      return new Answer(host, at, status, text.substring(head + 4).strip(), null);
    } catch (Exception e) {
      return new Answer(host, System.nanoTime(), 0, "", e.toString());
    }
  }

  /** An answer's time ({@link Answer#at}) on the wall clock, to compare with a release record. */
  public java.time.Instant instantOf(long nanos) {
    return baseInstant.plusNanos(nanos - baseNanos);
  }

  /**
   * From {@code go} (the switch's first signal, from the release record) to the last host's first
   * answer of {@code body} after {@code since}; null when some host never answered it.
   */
  public Duration sinceSwitch(String body, long since, java.time.Instant go) {
    List<OptionalLong> first = firstAnswer(body::equals, since);
    if (go == null || first.stream().anyMatch(OptionalLong::isEmpty)) {
      return null;
    }
    long last = first.stream().mapToLong(OptionalLong::getAsLong).max().orElseThrow();
    return Duration.between(go, instantOf(last));
  }

  /** Every answer so far, host by host. */
  public List<Answer> answers() {
    List<Answer> out = new ArrayList<>();
    for (int h = 0; h < byHost.size(); h++) {
      out.addAll(of(h));
    }
    return out;
  }

  public List<Answer> failures() {
    return answers().stream().filter(Answer::failed).toList();
  }

  /** {@code host}'s answers so far (a copy: its thread may still add to them). */
  private List<Answer> of(int host) {
    List<Answer> mine = byHost.get(host);
    synchronized (mine) {
      return new ArrayList<>(mine);
    }
  }

  /**
   * Per host, when it first answered {@code body} at or after {@code since}; empty for a host that
   * never did.
   */
  public List<OptionalLong> firstAnswer(String body, long since) {
    return firstAnswer(body::equals, since);
  }

  /**
   * Per host, when it first answered a body that {@code isNew} accepts, at or after {@code since};
   * empty for a host that never did.
   */
  public List<OptionalLong> firstAnswer(Predicate<String> isNew, long since) {
    List<OptionalLong> out = new ArrayList<>();
    for (int h = 0; h < targets.size(); h++) {
      out.add(
          of(h).stream()
              .filter(a -> a.at() >= since && !a.failed() && isNew.test(a.body()))
              .mapToLong(Answer::at)
              .min());
    }
    return out;
  }

  /**
   * The visitor window: from the first to the last host answering {@code body} (after {@code
   * since}); null when some host never did.
   */
  public Duration window(String body, long since) {
    return window(body::equals, since);
  }

  /**
   * The visitor window: from the first to the last host answering a body {@code isNew} accepts
   * (after {@code since}); null when some host never did.
   */
  public Duration window(Predicate<String> isNew, long since) {
    List<OptionalLong> first = firstAnswer(isNew, since);
    if (first.stream().anyMatch(OptionalLong::isEmpty)) {
      return null;
    }
    long min = first.stream().mapToLong(OptionalLong::getAsLong).min().orElseThrow();
    long max = first.stream().mapToLong(OptionalLong::getAsLong).max().orElseThrow();
    return Duration.ofNanos(max - min);
  }

  /**
   * Per host, how long after its first {@code newBody} answer (after {@code since}) it still
   * answered {@code oldBody} before {@code until} (zero: never): old nginx workers finishing what
   * they had accepted.
   */
  public List<Duration> overlap(String oldBody, String newBody, long since, long until) {
    List<OptionalLong> first = firstAnswer(newBody, since);
    List<Duration> out = new ArrayList<>();
    for (int h = 0; h < targets.size(); h++) {
      long f = first.get(h).orElse(Long.MAX_VALUE);
      long lastOld =
          of(h).stream()
              .filter(a -> a.at() >= f && a.at() < until && oldBody.equals(a.body()))
              .mapToLong(Answer::at)
              .max()
              .orElse(f);
      out.add(Duration.ofNanos(Math.max(0, lastOld - f)));
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(10_000);
    }
  }
}
