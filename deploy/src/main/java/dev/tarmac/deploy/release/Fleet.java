package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Host;
import dev.tarmac.deploy.release.ReleaseEvent.Kind;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.PhaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.HostCommand;
import dev.tarmac.deploy.remote.HostCommands;
import dev.tarmac.deploy.remote.ReleaseLayout;
import dev.tarmac.deploy.remote.SwitchCommands;
import dev.tarmac.deploy.remote.Transport;
import dev.tarmac.deploy.remote.Transport.Prepared;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The hosts of one release, rollback or dry run: their shells, what each task did on each (the
 * timeline), and the few ways the {@link Runner} drives them — every host on its own in parallel,
 * or every host at the same moment. Commands that change a host go through {@link #change}, which
 * fences them with the run's generation (docs/architecture.md, "Fencing").
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
  static class StepFailed extends DeployException {
    StepFailed(String message) {
      super(message);
    }
  }

  /** A host said this run no longer holds its lock: stop, change nothing more anywhere. */
  static final class Fenced extends StepFailed {
    Fenced(String message) {
      super(message);
    }
  }

  private final Environment env;
  private final Transports transports;
  private final Duration timeout;
  private final Consumer<ReleaseEvent> listener;
  private final Logs logs;

  /** The secrets this run renders, cut out of what hosts say ({@link Redaction}). */
  private volatile Redaction redaction = Redaction.NONE;

  private final Map<String, Member> members = new LinkedHashMap<>();

  /**
   * A run announces at most 7 phases (prepare … finish, switch back, cancel); a bound all the same.
   */
  static final int MAX_PHASES = 16;

  private final List<PhaseRecord> phases = new ArrayList<>();

  /**
   * Where the whole output of a task goes when its record keeps only the ends ({@link TaskLogs}).
   */
  interface Logs {
    /** A dry run or a status read: nothing kept beyond the record. */
    Logs NONE =
        (host, task, text) -> {
          throw new IllegalStateException("a plan or a status read keeps no log of its tasks");
        };

    void keep(String host, String task, String text);
  }

  /**
   * What the service itself does during a run (the CDN push), in the timeline as the host {@value
   * #SERVICE} — a name no host can have.
   */
  static final String SERVICE = "(service)";

  private final Member service = new Member(new Host(SERVICE, "local", 0, null, "/", List.of()));
  private volatile String generation;
  private volatile String fencedBy;

  /**
   * Every thread of the run: the hosts' workers, the work done alongside them, the closes. One pool
   * per run, bounded (a host never needs more than two threads at once; a run's own work a few),
   * ended with the run.
   */
  private final java.util.concurrent.ThreadPoolExecutor pool;

  /** The progress figures of downloads: one timer thread per run. */
  private final java.util.concurrent.ScheduledExecutorService progress;

  Fleet(Environment env, Transports transports, Duration timeout, Consumer<ReleaseEvent> listener) {
    this(env, transports, timeout, listener, Logs.NONE);
  }

  Fleet(
      Environment env,
      Transports transports,
      Duration timeout,
      Consumer<ReleaseEvent> listener,
      Logs logs) {
    this.env = env;
    this.logs = logs;
    this.transports = transports;
    this.timeout = timeout;
    this.listener = listener;
    for (Host h : env.hosts()) {
      members.put(h.name(), new Member(h));
    }
    String name = "tarmac-" + env.name();
    // no queue: atOnce needs a thread per host waiting at the same moment (docs/architecture.md,
    // "The switch"), which 2 per host covers with room for the run's own work
    this.pool =
        dev.tarmac.deploy.Threads.upTo(name, 2 * members.size() + 8, Duration.ofSeconds(30));
    this.progress = dev.tarmac.deploy.Threads.timer(name + "-progress");
  }

  /**
   * Runs {@code work} in the run's pool, alongside the hosts' work; completes with its failure's
   * message, or null when it succeeded.
   */
  java.util.concurrent.CompletableFuture<String> alongside(Runnable work, String what) {
    java.util.concurrent.CompletableFuture<String> done =
        new java.util.concurrent.CompletableFuture<>();
    pool.execute(
        () -> {
          try {
            work.run();
            done.complete(null);
          } catch (RuntimeException e) {
            done.complete(e.getMessage());
          } catch (Error e) {
            done.complete(what + " failed: " + e);
          }
        });
    return done;
  }

  List<Member> members() {
    return List.copyOf(members.values());
  }

  List<Member> connected() {
    return members.values().stream().filter(m -> m.transport != null).toList();
  }

  Member service() {
    return service;
  }

  Member member(String host) {
    return members.get(host);
  }

  /** The run's fencing token: the host lock carries it, {@link #change} checks it. */
  void generation(String g) {
    this.generation = g;
  }

  /** What fenced this run off, when a host said so (null: nothing). */
  String fencedBy() {
    return fencedBy;
  }

  /**
   * Announces the phase the run enters, which ends the one before: as an event, and in the record
   * ({@link #phaseRecords}), so its timeline can band the phases after the run as during it.
   */
  void phase(String name, String message) {
    Instant now = Instant.now();
    synchronized (phases) {
      close(phases, now);
      if (phases.size() < MAX_PHASES) {
        phases.add(new PhaseRecord(name, now, null));
      }
    }
    listener.accept(new ReleaseEvent(now, null, name, Kind.PHASE, message));
  }

  /** The phases so far; the one the run is in ends at {@code end} (null: still open). */
  List<PhaseRecord> phaseRecords(Instant end) {
    synchronized (phases) {
      List<PhaseRecord> out = new ArrayList<>(phases);
      if (end != null) {
        close(out, end);
      }
      return List.copyOf(out);
    }
  }

  private static void close(List<PhaseRecord> list, Instant at) {
    int last = list.size() - 1;
    if (last >= 0 && list.get(last).finishedAt() == null) {
      PhaseRecord p = list.get(last);
      list.set(
          last,
          new PhaseRecord(
              p.name(), p.startedAt(), at.isBefore(p.startedAt()) ? p.startedAt() : at));
    }
  }

  /** From now on, every output and message of a host has {@code r}'s secrets cut out. */
  void redact(Redaction r) {
    this.redaction = r;
  }

  /** A host's words as a record and an event may keep them: printable, secrets cut out. */
  String said(String s) {
    return redaction.apply(printable(s));
  }

  private CommandResult redacted(CommandResult r) {
    Redaction red = redaction;
    if (red == Redaction.NONE) {
      return r;
    }
    return new CommandResult(
        r.exitCode(), red.apply(r.stdout()), red.apply(r.stderr()), r.startedAt(), r.finishedAt());
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

  /**
   * Starts the host's shell (the "log in" task): a slow login (a profile that takes seconds) is
   * timed as that, not as the first command's ("lock host").
   */
  void logIn(Member m) {
    run(m, HostCommand.of("log in", ":"));
  }

  /**
   * Runs a read-only command as the task its label names; a non-zero exit fails the task. This and
   * {@link #read}, {@link #change}, {@link #changeWithProgress} and the switch are the one way a
   * {@link HostCommand} reaches a host: fencing is added here, framing by the host's shell.
   */
  <T> T run(Member m, HostCommand<T> command) {
    return run(m, command, timeout);
  }

  <T> T run(Member m, HostCommand<T> command, Duration limit) {
    return command.parse(checked(m, command.label(), () -> m.transport.run(command.text(), limit)));
  }

  /**
   * Runs a short read whose answer is a few lines of text as a named task ({@link
   * dev.tarmac.deploy.remote.Transport#read}: the host forks once); a non-zero exit fails the task.
   */
  <T> T read(Member m, HostCommand<T> command) {
    return command.parse(
        checked(m, command.label(), () -> m.transport.read(command.text(), timeout)));
  }

  /** One command as a named task, its result checked: a non-zero exit fails the task. */
  private CommandResult checked(Member m, String task, Supplier<CommandResult> command) {
    CommandResult[] result = new CommandResult[1];
    task(
        m,
        task,
        () -> {
          CommandResult r = redacted(command.get());
          result[0] = r;
          check(m, task, r);
          return r.stdout().strip();
        });
    return result[0];
  }

  /** Runs a command that changes the host, only while this run holds the host's lock. */
  <T> T change(Member m, HostCommand<T> command) {
    return change(m, command, timeout);
  }

  <T> T change(Member m, HostCommand<T> command, Duration limit) {
    return run(m, fence(m, command), limit);
  }

  <T> HostCommand<T> fence(Member m, HostCommand<T> command) {
    return HostCommands.fenced(m.layout, generation(), command);
  }

  private String generation() {
    if (generation == null) {
      throw new IllegalStateException("no generation: the run has not locked its hosts");
    }
    return generation;
  }

  private void check(Member m, String task, CommandResult r) {
    // a host's words enter messages (m.failure, the record's error, the CLI's terminal) as
    // printable text: task() makes every detail and message so, but rethrows a Fenced as it is, so
    // its message and fencedBy are made printable here (switchTo and eachHost do the same for
    // theirs)
    String said = said(r.output());
    if (r.exitCode() == HostCommands.FENCED) {
      fencedBy = m.name() + ": " + said;
      throw new Fenced(m.name() + ": " + task + " refused: " + said);
    }
    if (!r.ok()) {
      throw new StepFailed(m.name() + ": " + task + " failed (exit " + r.exitCode() + "): " + said);
    }
  }

  /**
   * Runs a command as a named task while asking the host, every {@code every}, for a figure of its
   * progress ({@code progressCommand} says a number; it runs in the host's second shell), reported
   * as {@code PROGRESS} events.
   */
  <T> T changeWithProgress(
      Member m,
      HostCommand<T> command,
      HostCommand<Long> progressCommand,
      long total,
      Duration every) {
    String task = command.label();
    java.util.concurrent.ScheduledFuture<?> poller =
        progress.scheduleWithFixedDelay(
            () -> {
              try {
                long bytes =
                    progressCommand.parse(
                        m.transport.probe(progressCommand.text(), Duration.ofSeconds(10)));
                listener.accept(
                    new ReleaseEvent(
                        Instant.now(), m.name(), task, Kind.PROGRESS, null, bytes, total));
              } catch (RuntimeException e) {
                // progress is a nicety: the task itself reports what went wrong
              }
            },
            every.toMillis(),
            every.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS);
    try {
      return change(m, command);
    } finally {
      poller.cancel(false);
    }
  }

  /** Runs {@code work} as a named task on a host, recording when and how it ended. */
  void task(Member m, String task, java.util.function.Supplier<String> work) {
    Instant started = Instant.now();
    listener.accept(new ReleaseEvent(started, m.name(), task, Kind.STARTED, null));
    try {
      String detail = work.get();
      detail = detail == null ? null : bounded(said(detail), TASK_TEXT);
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
      String whole = bounded(said(message), LOG_TEXT);
      message = bounded(whole, TASK_TEXT);
      String log = null;
      if (message.length() < whole.length()) {
        try {
          logs.keep(m.name(), task, whole);
          log = m.name() + "/" + task;
        } catch (RuntimeException kept) {
          message += "\n[the whole output could not be kept: " + kept.getMessage() + "]";
        }
      }
      Instant finished = Instant.now();
      record(m, new TaskRecord(task, started, finished, false, message, log));
      listener.accept(new ReleaseEvent(finished, m.name(), task, Kind.FAILED, message));
      throw e instanceof Fenced ? e : new StepFailed(message);
    }
  }

  /**
   * The most characters of a task's output (or failure) a record and the events keep: its first 2
   * Ki and its last 6 Ki, the whole in the task's log object ({@link TaskLogs}). Issue 25: a hook
   * printing 30 MB on 3 hosts made a 6.3 MB record, sent whole by the history endpoint, and the
   * service's heap grew by a GiB under 50 readers of it.
   */
  static final int TASK_TEXT = 8 * 1024;

  /**
   * The most characters of a task's failure its log object keeps: more than a host sends of one
   * command (its last MiB of each stream, {@code HostShell.OUTPUT_LIMIT}).
   */
  static final int LOG_TEXT = 4 * 1024 * 1024;

  /**
   * The most characters of one host's failure in the release's error: the host's task keeps its
   * output (the ends in the record, the whole in its log), so the error holds it once, not twice.
   */
  static final int ERROR_TEXT = 512;

  /**
   * {@code s} when it has at most {@code max} characters, else its first quarter and its last three
   * (the start names the host and the task, the end is where a failing command says why), the cut
   * said between them.
   */
  static String bounded(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    int head = max / 4;
    int tail = max - head;
    return s.substring(0, head)
        + "\n[… "
        + (s.length() - max)
        + " characters cut: the first "
        + head
        + " and the last "
        + tail
        + " are kept]\n"
        + s.substring(s.length() - tail);
  }

  /**
   * What a host printed, as the timeline, the records and the CLI's terminal get it: every control
   * character but newline and tab replaced by U+FFFD. A host is trusted less than the service, and
   * its output (a hook's, a failed command's, the releases it lists) would otherwise reach an
   * operator's terminal as escape sequences (docs/architecture.md, "What a host prints").
   */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            c ->
                b.appendCodePoint(
                    c == '\n' || c == '\t' || !Character.isISOControl(c) ? c : 0xFFFD));
    return b.toString();
  }

  /** {@link #printable(String)}, keeping null. */
  /**
   * What a failure says: its message, or — a bug with no message (a {@code NullPointerException}) —
   * the host, its type and where it was thrown, never a bare "null".
   */
  static String said(Member m, RuntimeException e) {
    if (e.getMessage() != null) {
      return e.getMessage();
    }
    StackTraceElement[] at = e.getStackTrace();
    return m.name()
        + ": "
        + e.getClass().getName()
        + (at.length == 0 ? "" : " at " + at[0])
        + " (a bug in Tarmac: please report it with the service's log)";
  }

  static String printableOrNull(String s) {
    return s == null ? null : printable(s);
  }

  /** {@link #printable(String)} of each. */
  static List<String> printable(List<String> list) {
    return list.stream().map(Fleet::printable).toList();
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
    java.util.Set<Member> failed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.Queue<Member> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>(hosts);
    // {@code parallel} workers, each taking the next host when it is done with one
    List<Future<?>> workers = new ArrayList<>();
    try {
      for (int i = 0; i < Math.min(parallel, hosts.size()); i++) {
        workers.add(
            pool.submit(
                () -> {
                  for (Member m = waiting.poll(); m != null; m = waiting.poll()) {
                    try {
                      work.accept(m);
                    } catch (RuntimeException e) {
                      if (m.failure == null) {
                        // the first failure is the cause; printable, as it may quote a host
                        // outside any task (a name it chose, refused as a version: a plan)
                        m.failure = bounded(printableOrNull(said(m, e)), TASK_TEXT);
                      }
                      failed.add(m);
                    }
                  }
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    } catch (InterruptedException e) {
      workers.forEach(f -> f.cancel(true));
      Thread.currentThread().interrupt();
      throw new DeployException("interrupted", e);
    } catch (ExecutionException e) {
      throw new DeployException("a host's worker crashed: " + e.getCause(), e.getCause());
    }
    return hosts.stream().filter(failed::contains).toList();
  }

  /**
   * Points {@code current} at {@code version.apply(host)} on every host (or removes it where the
   * version is null): the new link is staged under a temporary name on every host, the rename is
   * sent to every host, and only when every host has acknowledged that it holds it does one thread
   * send {@code go} to all (docs/architecture.md, "The switch"). Returns the activation window.
   *
   * @param allOrNothing switch no host unless every host can be switched (forward); otherwise
   *     switch every host that can be (switching back)
   */
  Duration switchTo(
      List<Member> hosts,
      String task,
      Function<Member, String> version,
      boolean allOrNothing,
      Duration ackLimit) {
    return switchTo(hosts, task, version, allOrNothing, ackLimit, AlsoSwitch.NOTHING);
  }

  /**
   * What a switch changes on a host besides {@code current} (the proxy's upstream, {@link
   * Processes}): staged with the staged link, done right after the rename, in the same command.
   */
  interface AlsoSwitch {
    AlsoSwitch NOTHING = (m, v, back) -> null;

    /**
     * The command that stages it for {@code version} on {@code m}; null: nothing to switch. {@code
     * back}: a switch back to the release live before this run — told apart by this flag, not by
     * the version, since releasing the live version again (a configuration change) switches from a
     * version to itself.
     */
    HostCommand<?> stage(Member m, String version, boolean back);

    /**
     * The renames that put it in place at the moment of the switch, made by the switch's waiter
     * right after {@code current}'s, when {@link #stage} was sent.
     */
    default List<SwitchCommands.Rename> renames(Member m, String version, boolean back) {
      return List.of();
    }

    /** What runs after the renames, in the shell, when {@link #stage} was sent (null: nothing). */
    default HostCommand<?> swap(Member m, String version, boolean back) {
      return null;
    }

    /** Both, in this order: each part stages and swaps what it switches, the rest say null. */
    static AlsoSwitch both(List<AlsoSwitch> parts) {
      return new AlsoSwitch() {
        @Override
        public HostCommand<?> stage(Member m, String version, boolean back) {
          return joined(
              parts.stream().<HostCommand<?>>map(p -> p.stage(m, version, back)).toList());
        }

        @Override
        public List<SwitchCommands.Rename> renames(Member m, String version, boolean back) {
          return parts.stream()
              .filter(p -> p.stage(m, version, back) != null)
              .flatMap(p -> p.renames(m, version, back).stream())
              .toList();
        }

        @Override
        public HostCommand<?> swap(Member m, String version, boolean back) {
          return joined(
              parts.stream()
                  .<HostCommand<?>>map(
                      p -> p.stage(m, version, back) == null ? null : p.swap(m, version, back))
                  .toList());
        }
      };
    }

    private static HostCommand<?> joined(List<HostCommand<?>> commands) {
      HostCommand<?> all = null;
      for (HostCommand<?> c : commands) {
        if (c != null) {
          all = all == null ? c : all.then(c);
        }
      }
      return all;
    }
  }

  /** {@link #switchTo}, with {@code also} staged and swapped with {@code current}. */
  Duration switchTo(
      List<Member> hosts,
      String task,
      Function<Member, String> version,
      boolean allOrNothing,
      Duration ackLimit,
      AlsoSwitch also) {
    // the hosts where `also` staged something: only they swap it
    java.util.Set<Member> alsoStaged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<Member> failed =
        eachHost(
            hosts.stream().filter(m -> version.apply(m) != null).toList(),
            hosts.size(),
            m -> {
              String v = version.apply(m);
              HostCommand<?> stage =
                  SwitchCommands.stageCurrent(m.layout, v).named("stage " + task);
              HostCommand<?> extra = also.stage(m, v, !allOrNothing);
              HostCommand<?> both = extra == null ? stage : stage.then(extra);
              change(m, both);
              if (extra != null) {
                alsoStaged.add(m);
              }
            });
    if (!failed.isEmpty() && allOrNothing) {
      return Duration.ZERO;
    }
    return atOnce(
        hosts.stream().filter(m -> !failed.contains(m)).toList(),
        allOrNothing,
        task,
        ackLimit,
        m -> {
          String v = version.apply(m);
          boolean staged = alsoStaged.contains(m);
          return SwitchCommands.atGo(
              m.layout,
              generation(),
              v,
              staged ? also.renames(m, v, !allOrNothing) : List.of(),
              staged ? also.swap(m, v, !allOrNothing) : null);
        });
  }

  /**
   * Runs {@code command.apply(host)} on every host at the same moment: it is sent to every host
   * first, every host acknowledges that it holds it (within {@code ackLimit}), then one thread
   * signals all. A host that does not acknowledge fails; with {@code allOrNothing} nobody runs it
   * then. Returns the window: first signal → last answer.
   */
  Duration atOnce(
      List<Member> hosts,
      boolean allOrNothing,
      String task,
      Duration ackLimit,
      Function<Member, HostCommand<?>> command) {
    Map<Member, Prepared> sent = new LinkedHashMap<>();
    for (Member m : hosts) {
      try {
        sent.put(m, m.transport.prepare(command.apply(m).text(), Duration.ofSeconds(30)));
      } catch (RuntimeException e) {
        m.failure = m.name() + ": " + task + " could not be sent: " + e.getMessage();
      }
    }
    Map<Member, Prepared> ready = new LinkedHashMap<>();
    Instant ackStarted = Instant.now();
    for (Map.Entry<Member, Prepared> e : sent.entrySet()) {
      Member m = e.getKey();
      Duration left = ackLimit.minus(Duration.between(ackStarted, Instant.now()));
      try {
        e.getValue().awaitReady(left.isNegative() ? Duration.ofMillis(1) : left);
        ready.put(m, e.getValue());
      } catch (RuntimeException ex) {
        m.failure =
            m.name()
                + ": "
                + task
                + ": the host did not acknowledge that it is staged within "
                + ackLimit.toSeconds()
                + " s, so no host was switched ("
                + ex.getMessage()
                + ")";
        e.getValue().cancel();
        record(m, new TaskRecord(task, ackStarted, Instant.now(), false, m.failure));
        listener.accept(new ReleaseEvent(Instant.now(), m.name(), task, Kind.FAILED, m.failure));
      }
    }
    if (ready.size() < hosts.size() && allOrNothing || ready.isEmpty()) {
      ready.values().forEach(Prepared::cancel);
      return Duration.ZERO;
    }
    // every host holds its command: one thread signals them all, one after the other, each told
    // the same moment to act (docs/architecture.md, "The switch's waiter"); a thread per host
    // waits for its answer
    long at = System.nanoTime() + switchMargin(ready.size()).toNanos();
    Map<Member, Instant> signalled = new LinkedHashMap<>();
    for (Map.Entry<Member, Prepared> e : ready.entrySet()) {
      signalled.put(e.getKey(), e.getValue().signal(at));
    }
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
                  Instant finished;
                  try {
                    CommandResult r = e.getValue().await(started);
                    finished = r.finishedAt();
                    if (r.exitCode() == HostCommands.FENCED) {
                      fencedBy = m.name() + ": " + said(r.output());
                    }
                    if (!r.ok()) {
                      message =
                          m.name()
                              + ": "
                              + task
                              + " failed (exit "
                              + r.exitCode()
                              + "): "
                              + said(r.output());
                    }
                  } catch (RuntimeException ex) {
                    finished = Instant.now();
                    message = m.name() + ": " + task + " failed: " + ex.getMessage();
                  }
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
    }
    return first[0] == null ? Duration.ZERO : Duration.between(first[0], last[0]);
  }

  /**
   * How far ahead of the first {@code go} the moment of a switch of {@code hosts} hosts is set:
   * long enough for one thread to write every host's {@code go} before it (about 30 µs each on an
   * idle machine; up to 130 ms for 128 hosts on a loaded 2-core machine whose hosts share its
   * cores; behind a garbage-collection pause or the service's own busy threads: 16 hosts' lines
   * came late past a 26 ms margin while 50 clients read the service), so that the hosts act
   * together rather than in the order they were written to. A host told after the moment acts at
   * once. 50 ms + 1 ms per host, at most 500 ms: a twentieth of a second added to a release.
   */
  static Duration switchMargin(int hosts) {
    return Duration.ofMillis(Math.min(500, 50 + hosts));
  }

  /**
   * Takes the host's lock with this run's generation and {@code owner}. A lock held by another run
   * is broken only when {@code stale} says its holder is gone (finished, or the environment lock
   * was forced or expired) — and only if it is still the lock that was judged.
   */
  void lockHost(Member m, String owner, Predicate<HostCommands.Holder> stale) {
    task(
        m,
        "lock host",
        () -> {
          CommandResult r =
              send(m, HostCommands.lockHost(m.layout, owner, generation, null), timeout);
          if (r.exitCode() == HostCommands.HOST_LOCKED) {
            HostCommands.Holder holder = HostCommands.Holder.parse(r.stdout());
            if (!stale.test(holder)) {
              throw new StepFailed(
                  m.name()
                      + ": "
                      + m.layout.meta()
                      + "/lock is held by "
                      + holder.owner()
                      + "; another release is using this host. If none is running, pass"
                      + " --force-unlock");
            }
            CommandResult again =
                send(
                    m,
                    HostCommands.lockHost(m.layout, owner, generation, holder.generation()),
                    timeout);
            if (!again.ok()) {
              throw new StepFailed(m.name() + ": cannot take the host lock: " + again.output());
            }
            m.hostLocked = true;
            String ended = again.stdout().strip();
            return "broke the stale lock of "
                + holder.owner()
                + (ended.isEmpty() ? "" : " and " + ended);
          }
          if (!r.ok()) {
            throw new StepFailed(m.name() + ": cannot take the host lock: " + r.output());
          }
          m.hostLocked = true;
          return null;
        });
  }

  /** Sends a command as it is, inside a task that reads its exit code itself. */
  private static <T> T send(Member m, HostCommand<T> command, Duration limit) {
    return command.parse(m.transport.run(command.text(), limit));
  }

  /** Releases the host locks this run holds, best effort (a host that died keeps its lock). */
  void unlockHosts(int parallel) {
    eachHost(
        members().stream().filter(m -> m.hostLocked && m.transport != null).toList(),
        parallel,
        m -> {
          run(m, HostCommands.unlockHost(m.layout, generation));
          m.hostLocked = false;
        });
  }

  List<HostRecord> hostRecords() {
    List<HostRecord> out = new ArrayList<>();
    List<Member> all = new ArrayList<>(members.values());
    synchronized (service.tasks) {
      if (!service.tasks.isEmpty()) {
        all.add(service);
      }
    }
    for (Member m : all) {
      synchronized (m.tasks) {
        List<TaskRecord> sorted = new ArrayList<>(m.tasks);
        sorted.sort(java.util.Comparator.comparing(TaskRecord::startedAt));
        Transport t = m.transport;
        out.add(
            new HostRecord(m.name(), m.transfer, sorted, t == null ? null : t.sessionsOpened()));
      }
    }
    return out;
  }

  void clearFailures() {
    members.values().forEach(m -> m.failure = null);
  }

  /**
   * Ends every host's session, all at once: closing one waits for its shell to end (a round trip
   * and the shell's clean-up), which one after the other made a 16-host rollback 0.3 s longer.
   */
  @Override
  public void close() {
    List<Future<?>> closing = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.transport != null) {
        closing.add(pool.submit(m.transport::close));
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try {
      for (Future<?> f : closing) {
        try {
          f.get(
              Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          // a session that does not close in time is left to its transport's own limits
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      progress.shutdownNow();
      pool.shutdown(); // work left alongside (a delta made ahead) ends on its own
    }
  }
}
