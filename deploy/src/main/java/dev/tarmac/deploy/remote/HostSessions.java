package dev.tarmac.deploy.remote;

import dev.tarmac.deploy.config.TarmacConfig.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Host sessions kept open between reads (docs/architecture.md, "Sessions kept for reads"): status
 * and plan reads borrow an open session per host instead of logging in again, so a host whose login
 * shell is slow pays its login once, not on every page load. A release never borrows one: it opens
 * its own (fencing, at most 3 sessions per host per run).
 *
 * <ul>
 *   <li>A session is lent for exactly the {@link Identity} it was opened for (host name, address,
 *       port, user, {@code deploy_to}, host-key policy, the private key file as it is now), to one
 *       reader at a time; two readers of one host at the same moment get two sessions.
 *   <li>Before it is lent, a kept session is checked ({@link Transport#usable()}: connection up,
 *       shell alive, host key still in {@code known_hosts}); one that is not is closed and a new
 *       one opened. A kept session that dies under a command ({@link ConnectionLostException}: an
 *       {@code sshd} restarted, the connection dropped) is replaced and the command sent once more
 *       on a new one. A command that failed (any exit code) or ran out of time is never sent again;
 *       a session that saw a timeout or any failure of its transport is closed, not kept.
 *   <li>Sessions idle longer than {@code idle} are closed (and none is lent past it); at most
 *       {@code perHost} per identity and {@code total} in all are kept — a reader beyond those gets
 *       a session of its own, closed after its read, as before there was a pool. {@link #close()}
 *       closes every kept session (the service stopping), and those lent when they come back.
 * </ul>
 */
public final class HostSessions implements AutoCloseable {
  /** How long a session is kept without a read: {@code tarmac.ssh.keep-sessions}'s default. */
  public static final Duration DEFAULT_IDLE = Duration.ofSeconds(60);

  /** Sessions kept per host identity: concurrent page loads of one environment. */
  public static final int PER_HOST = 4;

  /** Sessions kept in all. */
  public static final int TOTAL = 512;

  /** Opens a transport to a host: SSH for the service, anything for tests. */
  @FunctionalInterface
  public interface Opener {
    Transport open(Host host, boolean acceptNewHostKeys);
  }

  /**
   * Whom a kept session is with. {@code credentials} says which private key (and which version of
   * its file) logged in: a key replaced on disk is not reused through an old session.
   */
  record Identity(
      String name,
      String address,
      int port,
      String user,
      String deployTo,
      boolean acceptNewHostKeys,
      String credentials) {}

  /**
   * A session: idle in {@link #idle} or lent. {@code counted}: the pool keeps it (false: one beyond
   * the bounds, closed after its read).
   */
  private static final class Kept {
    final Identity id;
    final boolean counted;
    Transport transport;
    long idleSince;

    Kept(Identity id, Transport transport, boolean counted) {
      this.id = id;
      this.transport = transport;
      this.counted = counted;
    }
  }

  private final Opener opener;
  private final Supplier<String> credentials;
  private final Duration idleLimit;
  private final int perHost;
  private final int total;
  private final Map<Identity, Deque<Kept>> idle = new HashMap<>();
  private final Map<Identity, Integer> counted = new HashMap<>();
  private int countedTotal;
  private boolean closed;
  private final AtomicInteger opened = new AtomicInteger();
  private final ScheduledExecutorService reaper;

  /** The service's pool: SSH sessions with its key and known hosts. */
  public static HostSessions ssh(SshSettings settings, Duration idle) {
    return new HostSessions(
        (host, acceptNew) -> SshTransport.connect(host, settings, acceptNew),
        () -> credentials(settings.privateKey()),
        idle,
        PER_HOST,
        TOTAL);
  }

  public HostSessions(
      Opener opener, Supplier<String> credentials, Duration idle, int perHost, int total) {
    if (idle.isNegative() || idle.isZero()) {
      throw new IllegalArgumentException("idle must be positive: " + idle);
    }
    this.opener = opener;
    this.credentials = credentials;
    this.idleLimit = idle;
    this.perHost = perHost;
    this.total = total;
    this.reaper = dev.tarmac.deploy.Threads.timer("tarmac-host-sessions");
    long every = Math.max(200, Math.min(idle.toMillis() / 4, 15_000));
    reaper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
  }

  /** The key file's path, inode, size and time: another key, or the file rewritten, is another. */
  static String credentials(Path key) {
    if (key == null) {
      return "";
    }
    try {
      BasicFileAttributes a = Files.readAttributes(key, BasicFileAttributes.class);
      return key.toAbsolutePath() + " " + a.fileKey() + " " + a.size() + " " + a.lastModifiedTime();
    } catch (IOException e) {
      return key.toAbsolutePath().toString(); // connecting will say what is wrong with it
    }
  }

  /**
   * Lends an open session to {@code host} (opening one when none is kept), for one reader; {@link
   * Transport#close()} gives it back. It runs commands and probes; it refuses {@link
   * Transport#prepare} (a switch is a release's, on its own sessions).
   *
   * @throws TransportException when no session can be opened (the message names the host), or the
   *     pool is closed
   */
  public Transport borrow(Host host, boolean acceptNewHostKeys) {
    Identity id =
        new Identity(
            host.name(),
            host.address(),
            host.port(),
            host.user(),
            host.deployTo(),
            acceptNewHostKeys,
            credentials.get());
    while (true) {
      Kept k;
      boolean keep = false;
      List<Transport> expired = new ArrayList<>();
      synchronized (this) {
        if (closed) {
          throw new TransportException(
              host.name() + ": the service is stopping; its host sessions are closed");
        }
        k = takeIdle(id, expired);
        if (k == null && count(id) < perHost && countedTotal < total) {
          keep = true;
          k = new Kept(id, null, true);
          count(id, +1);
        }
      }
      expired.forEach(HostSessions::closeQuietly);
      if (k != null && k.transport != null) {
        if (k.transport.usable()) {
          return new Lease(host, k, true);
        }
        forget(k); // died while kept (sshd restarted, host key removed): a new one
        closeQuietly(k.transport);
        continue;
      }
      Transport t;
      try {
        t = opener.open(host, acceptNewHostKeys);
      } catch (RuntimeException e) {
        if (keep) {
          forget(k);
        }
        throw e;
      }
      opened.incrementAndGet();
      if (!keep) {
        return new Lease(
            host, new Kept(id, t, false), false); // beyond the bounds: closed after use
      }
      k.transport = t;
      return new Lease(host, k, false);
    }
  }

  /** The most recently used idle session of {@code id}; expired ones go to {@code expired}. */
  private Kept takeIdle(Identity id, List<Transport> expired) {
    Deque<Kept> q = idle.get(id);
    if (q == null) {
      return null;
    }
    long now = System.nanoTime();
    Kept found = null;
    while (found == null && !q.isEmpty()) {
      Kept k = q.pollFirst();
      if (now - k.idleSince > idleLimit.toNanos()) {
        count(id, -1);
        expired.add(k.transport);
      } else {
        found = k;
      }
    }
    if (q.isEmpty()) {
      idle.remove(id);
    }
    return found;
  }

  private int count(Identity id) {
    return counted.getOrDefault(id, 0);
  }

  private void count(Identity id, int delta) {
    int n = count(id) + delta;
    if (n <= 0) {
      counted.remove(id);
    } else {
      counted.put(id, n);
    }
    countedTotal += delta;
  }

  private synchronized void forget(Kept k) {
    count(k.id, -1);
  }

  /** A lent session comes back: kept when it is still good, else closed. */
  private void giveBack(Kept k, boolean good) {
    synchronized (this) {
      if (good && !closed) {
        k.idleSince = System.nanoTime();
        idle.computeIfAbsent(k.id, i -> new ArrayDeque<>()).addFirst(k);
        return;
      }
      count(k.id, -1);
    }
    closeQuietly(k.transport);
  }

  /** Closes the sessions idle longer than the limit (the reaper, every quarter of it). */
  void closeIdle() {
    List<Transport> expired = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      for (Iterator<Map.Entry<Identity, Deque<Kept>>> it = idle.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<Identity, Deque<Kept>> e = it.next();
        for (Iterator<Kept> ks = e.getValue().iterator(); ks.hasNext(); ) {
          Kept k = ks.next();
          if (now - k.idleSince > idleLimit.toNanos()) {
            ks.remove();
            count(k.id, -1);
            expired.add(k.transport);
          }
        }
        if (e.getValue().isEmpty()) {
          it.remove();
        }
      }
    }
    closeAll(expired);
  }

  /** Sessions this pool has opened so far (kept or not). */
  public int opened() {
    return opened.get();
  }

  /** Sessions open now that the pool counts: idle ones and lent ones. */
  public synchronized int open() {
    return countedTotal;
  }

  /** Sessions waiting to be lent. */
  public synchronized int idle() {
    return idle.values().stream().mapToInt(Deque::size).sum();
  }

  /** Closes every idle session now; lent ones are closed when they come back. */
  @Override
  public void close() {
    List<Transport> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Deque<Kept> q : idle.values()) {
        for (Kept k : q) {
          count(k.id, -1);
          all.add(k.transport);
        }
      }
      idle.clear();
    }
    reaper.shutdownNow();
    closeAll(all);
  }

  /** Closes sessions all at once (each waits for its shell to end: a round trip). */
  private static void closeAll(List<Transport> transports) {
    List<Thread> closing = new ArrayList<>();
    for (Transport t : transports) {
      Thread th = new Thread(() -> closeQuietly(t), "tarmac-close-" + t.host());
      th.setDaemon(true);
      th.start();
      closing.add(th);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    for (Thread th : closing) {
      try {
        th.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void closeQuietly(Transport t) {
    try {
      t.close();
    } catch (RuntimeException e) {
      // closing a dead session: nothing to do
    }
  }

  /** One reader's use of a session; {@link #close()} gives it back. */
  private final class Lease implements Transport {
    private final Host host;
    private final Kept kept;
    private boolean reused;
    private boolean spoiled;
    private boolean returned;
    private int sessions;

    Lease(Host host, Kept kept, boolean reused) {
      this.host = host;
      this.kept = kept;
      this.reused = reused;
      this.sessions = reused ? 0 : 1;
    }

    @Override
    public String host() {
      return host.name();
    }

    @Override
    public synchronized CommandResult run(String command, Duration timeout) {
      return use(() -> kept.transport.run(command, timeout));
    }

    @Override
    public synchronized CommandResult read(String command, Duration timeout) {
      return use(() -> kept.transport.read(command, timeout));
    }

    @Override
    public synchronized CommandResult probe(String command, Duration timeout) {
      return use(() -> kept.transport.probe(command, timeout));
    }

    /**
     * Runs a read on the session; when a kept session turns out to be dead under it, once more on a
     * new one. Any failure of the transport leaves the session to be closed, not kept.
     */
    private CommandResult use(Supplier<CommandResult> read) {
      if (returned) {
        throw new IllegalStateException(host.name() + ": the session was given back");
      }
      try {
        return read.get();
      } catch (ConnectionLostException e) {
        if (!reused) {
          spoiled = true;
          throw e;
        }
      } catch (RuntimeException e) {
        spoiled = true;
        throw e;
      }
      // a kept session that died unnoticed: a new session, the read sent once more
      reused = false;
      closeQuietly(kept.transport);
      try {
        kept.transport = opener.open(host, kept.id.acceptNewHostKeys());
        opened.incrementAndGet();
        sessions++;
        return read.get();
      } catch (RuntimeException e) {
        spoiled = true;
        throw e;
      }
    }

    @Override
    public Prepared prepare(String command, Duration timeout) {
      throw new IllegalStateException(
          host.name()
              + ": a kept session runs reads only; a release opens its own sessions"
              + " (docs/architecture.md, \"Sessions kept for reads\")");
    }

    @Override
    public synchronized int sessionsOpened() {
      return sessions;
    }

    @Override
    public boolean usable() {
      return !spoiled && kept.transport.usable();
    }

    @Override
    public synchronized void close() {
      if (returned) {
        return;
      }
      returned = true;
      if (kept.transport == null) {
        return;
      }
      boolean good = !spoiled && kept.transport.usable();
      if (kept.counted) {
        giveBack(kept, good);
      } else {
        closeQuietly(kept.transport);
      }
    }

    @Override
    public String toString() {
      return kept.transport + (reused ? ", kept session" : "");
    }
  }
}
