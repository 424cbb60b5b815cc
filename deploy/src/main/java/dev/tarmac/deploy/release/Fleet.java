package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Host;
import dev.tarmac.deploy.release.ReleaseEvent.Kind;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.ReleaseCommands;
import dev.tarmac.deploy.remote.ReleaseLayout;
import dev.tarmac.deploy.remote.Transport;
import dev.tarmac.deploy.remote.Transport.Prepared;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The hosts of one release or rollback: their connections, what each task did on each (the
 * timeline), and the few ways a plan drives them — every host on its own in parallel, or every host
 * at the same moment. {@link ReleasePlan} and {@link Rollback} say what to do; this says how.
 */
final class Fleet implements AutoCloseable {

  /** One host during a run. Fields are only touched by the thread working on that host. */
  static final class Member {
    final Host host;
    final ReleaseLayout layout;
    volatile Transport transport;
    volatile boolean hostLocked;
    volatile boolean createdRelease;
    volatile String previous; // the version current pointed at before, null when none
    volatile String failure;
    volatile ReleaseRecord.Transfer transfer;
    final List<TaskRecord> tasks = new ArrayList<>();

    Member(Host host) {
      this.host = host;
      this.layout = new ReleaseLayout(host.deployTo());
    }

    String name() {
      return host.name();
    }
  }

  /** A task failed on a host; the message already names the host and task. */
  static final class StepFailed extends DeployException {
    StepFailed(String message) {
      super(message);
    }
  }

  private final Environment env;
  private final Transports transports;
  private final Duration timeout;
  private final Consumer<ReleaseEvent> listener;
  private final Map<String, Member> members = new LinkedHashMap<>();

  Fleet(Environment env, Transports transports, Duration timeout, Consumer<ReleaseEvent> listener) {
    this.env = env;
    this.transports = transports;
    this.timeout = timeout;
    this.listener = listener;
    for (Host h : env.hosts()) {
      members.put(h.name(), new Member(h));
    }
  }

  List<Member> members() {
    return List.copyOf(members.values());
  }

  Member member(String host) {
    return members.get(host);
  }

  void phase(String name, String message) {
    listener.accept(new ReleaseEvent(Instant.now(), null, name, Kind.PHASE, message));
  }

  /** Opens the host's transport (the "connect" task). */
  void connect(Member m) {
    task(
        m,
        "connect",
        () -> {
          m.transport = transports.open(m.host, env);
          return m.transport.toString();
        });
  }

  /** Runs a command as a named task; a non-zero exit fails the task with the host's output. */
  CommandResult run(Member m, String task, String command) {
    return run(m, task, command, timeout);
  }

  CommandResult run(Member m, String task, String command, Duration limit) {
    CommandResult[] result = new CommandResult[1];
    task(
        m,
        task,
        () -> {
          CommandResult r = m.transport.run(command, limit);
          result[0] = r;
          if (!r.ok()) {
            throw new StepFailed(
                m.name() + ": " + task + " failed (exit " + r.exitCode() + "): " + r.output());
          }
          return r.stdout().strip();
        });
    return result[0];
  }

  /**
   * Runs a command as a named task while asking the host, every {@code every}, for a figure of its
   * progress ({@code progressCommand} prints a number), reported as {@code PROGRESS} events.
   */
  CommandResult runWithProgress(
      Member m, String task, String command, String progressCommand, long total, Duration every) {
    java.util.concurrent.ScheduledExecutorService poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tarmac-progress-" + m.name());
              t.setDaemon(true);
              return t;
            });
    poller.scheduleWithFixedDelay(
        () -> {
          try {
            CommandResult r = m.transport.run(progressCommand, Duration.ofSeconds(10));
            long bytes = Long.parseLong(r.stdout().strip());
            listener.accept(
                new ReleaseEvent(Instant.now(), m.name(), task, Kind.PROGRESS, null, bytes, total));
          } catch (RuntimeException e) {
            // progress is a nicety: the task itself reports what went wrong
          }
        },
        every.toMillis(),
        every.toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
    try {
      return run(m, task, command);
    } finally {
      poller.shutdownNow();
    }
  }

  /** Runs {@code work} as a named task on a host, recording when and how it ended. */
  void task(Member m, String task, java.util.function.Supplier<String> work) {
    Instant started = Instant.now();
    listener.accept(new ReleaseEvent(started, m.name(), task, Kind.STARTED, null));
    try {
      String detail = work.get();
      Instant finished = Instant.now();
      record(m, new TaskRecord(task, started, finished, true, blankToNull(detail)));
      listener.accept(new ReleaseEvent(finished, m.name(), task, Kind.OK, detail));
    } catch (RuntimeException e) {
      String message;
      if (e instanceof StepFailed) {
        message = e.getMessage();
      } else {
        String cause = String.valueOf(e.getMessage());
        if (cause.startsWith(m.name() + ": ")) {
          cause = cause.substring(m.name().length() + 2);
        }
        message = m.name() + ": " + task + " failed: " + cause;
      }
      Instant finished = Instant.now();
      record(m, new TaskRecord(task, started, finished, false, message));
      listener.accept(new ReleaseEvent(finished, m.name(), task, Kind.FAILED, message));
      throw new StepFailed(message);
    }
  }

  private static String blankToNull(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    return s.length() > 2000 ? s.substring(0, 2000) + "…" : s;
  }

  private static void record(Member m, TaskRecord t) {
    synchronized (m.tasks) {
      m.tasks.add(t);
    }
  }

  /**
   * Runs {@code work} on every host given, at most {@code parallel} at once, each host going
   * through its own steps at its own pace. Returns the hosts that failed (their {@link
   * Member#failure} says why); never throws for a host's failure.
   */
  List<Member> eachHost(List<Member> hosts, int parallel, Consumer<Member> work) {
    if (hosts.isEmpty()) {
      return List.of();
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, hosts.size()));
    java.util.Set<Member> failed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Member m : hosts) {
        futures.add(
            pool.submit(
                () -> {
                  try {
                    work.accept(m);
                  } catch (RuntimeException e) {
                    if (m.failure == null) {
                      m.failure = e.getMessage(); // the first failure is the cause
                    }
                    failed.add(m);
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeployException("interrupted", e);
    } catch (ExecutionException e) {
      throw new DeployException("a host's worker crashed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return hosts.stream().filter(failed::contains).toList();
  }

  /**
   * Points {@code current} at {@code version.apply(host)} on every host (or removes it where the
   * version is null): the new link is staged under a temporary name on every host first, then the
   * renames run {@linkplain #atOnce at the same moment}. Returns the activation window.
   *
   * @param allOrNothing switch no host unless every host can be switched (forward); otherwise
   *     switch every host that can be (switching back)
   */
  Duration switchTo(
      List<Member> hosts, String task, Function<Member, String> version, boolean allOrNothing) {
    List<Member> failed =
        eachHost(
            hosts.stream().filter(m -> version.apply(m) != null).toList(),
            hosts.size(),
            m -> run(m, "stage " + task, ReleaseCommands.stageCurrent(m.layout, version.apply(m))));
    if (!failed.isEmpty() && allOrNothing) {
      return Duration.ZERO;
    }
    return atOnce(
        hosts.stream().filter(m -> !failed.contains(m)).toList(),
        allOrNothing,
        task,
        m ->
            version.apply(m) == null
                ? ReleaseCommands.removeCurrent(m.layout)
                : ReleaseCommands.swapCurrent(m.layout, version.apply(m)));
  }

  /**
   * Runs {@code command.apply(host)} on every host at the same moment: each host's channel is
   * opened and its command built first, then one signal starts them all. Returns the window: first
   * command started → last command finished.
   */
  Duration atOnce(
      List<Member> hosts, boolean allOrNothing, String task, Function<Member, String> command) {
    Map<Member, Prepared> ready = new LinkedHashMap<>();
    for (Member m : hosts) {
      try {
        ready.put(m, m.transport.prepare(command.apply(m), Duration.ofSeconds(30)));
      } catch (RuntimeException e) {
        m.failure = m.name() + ": " + task + " could not start: " + e.getMessage();
      }
    }
    if (ready.size() < hosts.size() && allOrNothing || ready.isEmpty()) {
      ready.values().forEach(Prepared::cancel);
      return Duration.ZERO;
    }
    // one thread signals every host, one after the other (a few microseconds each, no thread
    // wake-ups in between); a thread per host waits for its result
    Map<Member, Instant> signalled = new LinkedHashMap<>();
    for (Map.Entry<Member, Prepared> e : ready.entrySet()) {
      signalled.put(e.getKey(), e.getValue().signal());
    }
    ExecutorService pool = Executors.newFixedThreadPool(ready.size());
    Instant[] first = {null};
    Instant[] last = {null};
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Map.Entry<Member, Prepared> e : ready.entrySet()) {
        Member m = e.getKey();
        Instant started = signalled.get(m);
        futures.add(
            pool.submit(
                () -> {
                  String message = null;
                  try {
                    CommandResult r = e.getValue().await(started);
                    if (!r.ok()) {
                      message =
                          m.name()
                              + ": "
                              + task
                              + " failed (exit "
                              + r.exitCode()
                              + "): "
                              + r.output();
                    }
                  } catch (RuntimeException ex) {
                    message = m.name() + ": " + task + " failed: " + ex.getMessage();
                  }
                  Instant finished = Instant.now();
                  synchronized (first) {
                    first[0] = first[0] == null || started.isBefore(first[0]) ? started : first[0];
                    last[0] = last[0] == null || finished.isAfter(last[0]) ? finished : last[0];
                  }
                  record(m, new TaskRecord(task, started, finished, message == null, message));
                  listener.accept(
                      new ReleaseEvent(
                          finished,
                          m.name(),
                          task,
                          message == null ? Kind.OK : Kind.FAILED,
                          message));
                  if (message != null) {
                    m.failure = message;
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeployException("interrupted during " + task, e);
    } catch (ExecutionException e) {
      throw new DeployException("a host's worker crashed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return first[0] == null ? Duration.ZERO : Duration.between(first[0], last[0]);
  }

  /**
   * Takes the host's {@code mkdir} lock. A lock held by another run is broken only when {@code
   * stale} says its holder is gone (finished, or the environment lock was forced or expired).
   */
  void lockHost(Member m, String owner, java.util.function.Predicate<String> stale) {
    task(
        m,
        "lock host",
        () -> {
          CommandResult r = m.transport.run(ReleaseCommands.lockHost(m.layout, owner), timeout);
          if (r.exitCode() == ReleaseCommands.HOST_LOCKED) {
            String holder = r.stdout().strip().replaceFirst("^locked by: ", "");
            if (!stale.test(holder)) {
              throw new StepFailed(
                  m.name()
                      + ": "
                      + m.layout.meta()
                      + "/lock is held by "
                      + holder
                      + "; another release is using this host. If none is running, remove that"
                      + " directory or pass --force-unlock");
            }
            CommandResult again =
                m.transport.run(
                    ReleaseCommands.unlockHost(m.layout)
                        + " && "
                        + ReleaseCommands.lockHost(m.layout, owner),
                    timeout);
            if (!again.ok()) {
              throw new StepFailed(m.name() + ": cannot take the host lock: " + again.output());
            }
            m.hostLocked = true;
            return "broke the stale lock of " + holder;
          }
          if (!r.ok()) {
            throw new StepFailed(m.name() + ": cannot take the host lock: " + r.output());
          }
          m.hostLocked = true;
          return null;
        });
  }

  /** Releases the host locks taken, best effort (a host that died keeps its lock). */
  void unlockHosts() {
    eachHost(
        members().stream().filter(m -> m.hostLocked && m.transport != null).toList(),
        env.parallel(),
        m -> {
          run(m, "unlock", ReleaseCommands.unlockHost(m.layout));
          m.hostLocked = false;
        });
  }

  List<HostRecord> hostRecords() {
    List<HostRecord> out = new ArrayList<>();
    for (Member m : members.values()) {
      synchronized (m.tasks) {
        List<TaskRecord> sorted = new ArrayList<>(m.tasks);
        sorted.sort(java.util.Comparator.comparing(TaskRecord::startedAt));
        out.add(new HostRecord(m.name(), m.transfer, sorted));
      }
    }
    return out;
  }

  void clearFailures() {
    members.values().forEach(m -> m.failure = null);
  }

  @Override
  public void close() {
    for (Member m : members.values()) {
      if (m.transport != null) {
        m.transport.close();
      }
    }
  }
}
