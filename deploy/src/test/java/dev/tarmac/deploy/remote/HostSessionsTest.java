package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.TarmacConfig.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool's rules, over real shells on this machine ({@link LocalTransport}: the same {@link
 * HostShell} loop an SSH host runs); a session is told apart by its shell's process id ({@code echo
 * $$}). {@code KeptSessionsIT} runs the same pool against real sshd hosts.
 */
class HostSessionsTest {
  static final Duration LIMIT = Duration.ofSeconds(10);
  static final Host H1 = new Host("h1", "10.0.0.1", 22, "deploy", "/srv/app", List.of("web"));

  @TempDir Path dir;
  private final AtomicReference<String> key = new AtomicReference<>("key-1");
  private final List<HostSessions> pools = new ArrayList<>();

  private HostSessions pool(Duration idle, int perHost, int total) {
    HostSessions p =
        new HostSessions(
            (h, accept) -> new LocalTransport(h.name()), key::get, idle, perHost, total);
    pools.add(p);
    return p;
  }

  private HostSessions pool() {
    return pool(Duration.ofSeconds(60), 4, 512);
  }

  @AfterEach
  void closePools() {
    pools.forEach(HostSessions::close);
  }

  private static long pid(Transport t) {
    CommandResult r = t.run("echo $$", LIMIT);
    assertThat(r.ok()).isTrue();
    return Long.parseLong(r.stdout().strip());
  }

  /** One read on a borrowed session: the shell's process id. */
  private static long read(HostSessions pool, Host host) {
    try (Transport t = pool.borrow(host, false)) {
      return pid(t);
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static void awaitDead(long pid, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (alive(pid)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("shell " + pid + " still runs after " + limit);
      }
      Thread.sleep(20);
    }
  }

  private static Host with(String name, String address, int port, String user, String deployTo) {
    return new Host(name, address, port, user, deployTo, List.of("web"));
  }

  @Test
  void aSecondReadReusesTheSessionTheFirstOpened() {
    HostSessions pool = pool();
    long first = read(pool, H1);
    assertThat(read(pool, H1)).isEqualTo(first);
    assertThat(read(pool, H1)).isEqualTo(first);
    assertThat(pool.opened()).isEqualTo(1);
    assertThat(pool.open()).isEqualTo(1);
    assertThat(pool.idle()).isEqualTo(1);
    assertThat(alive(first)).isTrue();
  }

  @Test
  void aSessionIsLentToOneReaderAtATime() throws Exception {
    HostSessions pool = pool();
    try (Transport a = pool.borrow(H1, false);
        Transport b = pool.borrow(H1, false)) {
      assertThat(pid(a)).isNotEqualTo(pid(b));
    }
    assertThat(pool.idle()).isEqualTo(2);

    // 8 readers at once, 10 reads each: no shell runs two readers' commands at the same time
    record Use(long pid, long from, long to) {}
    List<Use> uses = new java.util.concurrent.CopyOnWriteArrayList<>();
    ExecutorService readers = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        done.add(
            readers.submit(
                () -> {
                  for (int j = 0; j < 10; j++) {
                    try (Transport t = pool.borrow(H1, false)) {
                      long from = System.nanoTime();
                      long pid = pid(t);
                      t.run("sleep 0.01", LIMIT);
                      uses.add(new Use(pid, from, System.nanoTime()));
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      readers.shutdownNow();
    }
    assertThat(uses).hasSize(80);
    for (Use u : uses) {
      for (Use v : uses) {
        if (u != v && u.pid() == v.pid()) {
          assertThat(u.to() <= v.from() || v.to() <= u.from())
              .as("shell %d lent to two readers at once", u.pid())
              .isTrue();
        }
      }
    }
    assertThat(pool.open()).as("at most 4 kept for one host").isLessThanOrEqualTo(4);
    assertThat(pool.idle()).isEqualTo(pool.open());
  }

  @Test
  void aSessionIsLentOnlyForTheHostItWasOpenedFor() {
    HostSessions pool = pool();
    long first = read(pool, H1);
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    seen.add(first);
    for (Host other :
        List.of(
            with("h2", "10.0.0.1", 22, "deploy", "/srv/app"), // another name
            with("h1", "10.0.0.2", 22, "deploy", "/srv/app"), // another address
            with("h1", "10.0.0.1", 2222, "deploy", "/srv/app"), // another port
            with("h1", "10.0.0.1", 22, "root", "/srv/app"), // another user
            with("h1", "10.0.0.1", 22, "deploy", "/srv/other"))) { // another deploy_to
      assertThat(seen.add(read(pool, other))).as("%s got a session of its own", other).isTrue();
    }
    try (Transport t = pool.borrow(H1, true)) { // accept_new_host_keys changed
      assertThat(seen.add(pid(t))).isTrue();
    }
    key.set("key-2"); // the private key file replaced
    assertThat(seen.add(read(pool, H1))).isTrue();
    key.set("key-1");
    assertThat(read(pool, H1)).isEqualTo(first);
  }

  @Test
  void aKeptSessionThatDiedIsReplaced() throws Exception {
    HostSessions pool = pool();
    long first = read(pool, H1);
    ProcessHandle.of(first).orElseThrow().destroyForcibly();
    awaitDead(first, LIMIT);
    long second = read(pool, H1);
    assertThat(second).isNotEqualTo(first);
    assertThat(pool.opened()).isEqualTo(2);
    assertThat(pool.open()).isEqualTo(1);
  }

  /** A shell on this machine that says it is usable whatever happened: a death not noticed yet. */
  private record Unnoticed(LocalTransport shell) implements Transport {
    @Override
    public String host() {
      return shell.host();
    }

    @Override
    public CommandResult run(String command, Duration timeout) {
      return shell.run(command, timeout);
    }

    @Override
    public CommandResult read(String command, Duration timeout) {
      return shell.read(command, timeout);
    }

    @Override
    public CommandResult probe(String command, Duration timeout) {
      return shell.probe(command, timeout);
    }

    @Override
    public Prepared prepare(String command, Duration timeout) {
      return shell.prepare(command, timeout);
    }

    @Override
    public int sessionsOpened() {
      return shell.sessionsOpened();
    }

    @Override
    public void close() {
      shell.close();
    }
  }

  @Test
  void aKeptSessionThatDiedUnnoticedIsReplacedAndTheReadSentOnce() throws Exception {
    List<LocalTransport> shells = new ArrayList<>();
    HostSessions pool =
        new HostSessions(
            (h, accept) -> {
              LocalTransport t = new LocalTransport(h.name());
              shells.add(t);
              return new Unnoticed(t);
            },
            key::get,
            Duration.ofSeconds(60),
            4,
            512);
    pools.add(pool);
    long first = read(pool, H1);
    ProcessHandle.of(first).orElseThrow().destroyForcibly();
    awaitDead(first, LIMIT);
    while (shells.get(0).usable()) { // the reader has seen the end of its output
      Thread.sleep(10);
    }
    Path ran = dir.resolve("ran");
    try (Transport t = pool.borrow(H1, false)) {
      CommandResult r = t.run("echo once >> " + ran + "; echo $$", LIMIT);
      assertThat(r.ok()).isTrue();
      assertThat(Long.parseLong(r.stdout().strip())).isNotEqualTo(first);
      assertThat(t.sessionsOpened()).isEqualTo(1);
    }
    assertThat(ran).content().isEqualTo("once\n");
    assertThat(pool.opened()).isEqualTo(2);
    assertThat(pool.open()).isEqualTo(1);
  }

  @Test
  void aNewSessionThatDiesIsNotOpenedAgain() throws Exception {
    HostSessions pool =
        new HostSessions(
            (h, accept) -> {
              LocalTransport t = new LocalTransport(h.name());
              long pid = pid(t);
              ProcessHandle.of(pid).orElseThrow().destroyForcibly();
              while (t.usable()) {
                Thread.onSpinWait();
              }
              return new Unnoticed(t);
            },
            key::get,
            Duration.ofSeconds(60),
            4,
            512);
    pools.add(pool);
    try (Transport t = pool.borrow(H1, false)) {
      assertThatThrownBy(() -> t.run("true", LIMIT))
          .isInstanceOf(ConnectionLostException.class)
          .hasMessageContaining("h1: the shell ended (connection lost)");
    }
    assertThat(pool.opened()).isEqualTo(1);
    assertThat(pool.open()).isZero();
  }

  @Test
  void aFailedCommandIsNotSentAgainAndItsSessionIsKept() {
    HostSessions pool = pool();
    Path ran = dir.resolve("ran");
    long first;
    try (Transport t = pool.borrow(H1, false)) {
      first = pid(t);
      CommandResult r = t.run("echo once >> " + ran + "; exit 3", LIMIT);
      assertThat(r.exitCode()).isEqualTo(3);
    }
    assertThat(ran).content().isEqualTo("once\n");
    assertThat(read(pool, H1)).isEqualTo(first);
    assertThat(pool.opened()).isEqualTo(1);
  }

  @Test
  void aCommandThatTimesOutIsNotSentAgainAndItsSessionIsClosed() throws Exception {
    HostSessions pool = pool();
    Path ran = dir.resolve("ran");
    long first;
    try (Transport t = pool.borrow(H1, false)) {
      first = pid(t);
      assertThatThrownBy(() -> t.run("echo once >> " + ran + "; sleep 30", Duration.ofMillis(300)))
          .isInstanceOf(TransportException.class)
          .isNotInstanceOf(ConnectionLostException.class)
          .hasMessageContaining("timed out");
    }
    assertThat(ran).content().isEqualTo("once\n");
    assertThat(pool.open()).isZero();
    awaitDead(first, LIMIT);
    assertThat(read(pool, H1)).isNotEqualTo(first);
    assertThat(pool.opened()).isEqualTo(2);
  }

  @Test
  void idleSessionsAreClosedAfterTheLimit() throws Exception {
    HostSessions pool = pool(Duration.ofMillis(400), 4, 512);
    long first = read(pool, H1);
    assertThat(alive(first)).isTrue();
    long t0 = System.nanoTime();
    awaitDead(first, Duration.ofSeconds(5));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(300));
    assertThat(pool.open()).isZero();
    assertThat(pool.idle()).isZero();
    assertThat(read(pool, H1)).isNotEqualTo(first);
  }

  @Test
  void atMostPerHostAndTotalAreKeptAndTheRestClosedAfterTheirRead() throws Exception {
    HostSessions pool = pool(Duration.ofSeconds(60), 2, 3);
    Host h2 = with("h2", "10.0.0.2", 22, "deploy", "/srv/app");
    List<Long> beyond = new ArrayList<>();
    List<Transport> lent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      lent.add(pool.borrow(H1, false));
    }
    List<Long> pids = lent.stream().map(HostSessionsTest::pid).toList();
    lent.forEach(Transport::close);
    beyond.add(pids.get(2));
    assertThat(pool.idle()).isEqualTo(2);
    lent.clear();
    lent.add(pool.borrow(h2, false));
    lent.add(pool.borrow(h2, false));
    pids = lent.stream().map(HostSessionsTest::pid).toList();
    lent.forEach(Transport::close);
    beyond.add(pids.get(1));
    assertThat(pool.idle()).as("3 in all").isEqualTo(3);
    for (long pid : beyond) {
      awaitDead(pid, LIMIT);
    }
  }

  @Test
  void closingThePoolClosesIdleSessionsNowAndLentOnesWhenTheyComeBack() throws Exception {
    HostSessions pool = pool();
    Transport lent = pool.borrow(H1, false);
    long kept = read(pool, H1);
    long busy = pid(lent);
    pool.close();
    awaitDead(kept, LIMIT);
    assertThat(pid(lent)).as("a read under way finishes").isEqualTo(busy);
    lent.close();
    awaitDead(busy, LIMIT);
    assertThat(pool.open()).isZero();
    assertThatThrownBy(() -> pool.borrow(H1, false))
        .isInstanceOf(TransportException.class)
        .hasMessage("h1: the service is stopping; its host sessions are closed");
  }

  @Test
  void aKeptSessionRunsReadsOnly() {
    HostSessions pool = pool();
    try (Transport t = pool.borrow(H1, false)) {
      assertThatThrownBy(() -> t.prepare("mv -T a b", LIMIT))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("h1: a kept session runs reads only");
    }
  }

  @Test
  void theCredentialsNameTheKeyFileAsItIsNow() throws Exception {
    Path k = Files.writeString(dir.resolve("id_ed25519"), "one");
    String before = HostSessions.credentials(k);
    assertThat(HostSessions.credentials(k)).isEqualTo(before);
    Files.writeString(k, "other key");
    assertThat(HostSessions.credentials(k)).isNotEqualTo(before);
    assertThat(HostSessions.credentials(null)).isEmpty();
  }
}
