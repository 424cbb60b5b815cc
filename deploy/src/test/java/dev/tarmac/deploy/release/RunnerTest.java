package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner's policy, with phases of the test's own over two {@code local} hosts (real shells in
 * temporary directories, no sshd): what a failure means in each stage, a lost lock, a cancellation,
 * the order of the declared list, the record made before any host is touched.
 */
class RunnerTest {
  @TempDir Path tmp;
  FsArtifactStore store;
  TarmacConfig config;
  final List<String> ran = new CopyOnWriteArrayList<>();
  final List<ReleaseEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.1:9/"),
            new UrlSigner("runner-test-signing-key".getBytes(), Clock.systemUTC()));
    StringBuilder yml = new StringBuilder("app: shop\nenvironments:\n  prod:\n    hosts:\n");
    for (String h : List.of("web1", "web2")) {
      Path root = Files.createDirectories(tmp.resolve(h));
      Files.createDirectories(root.resolve("releases/v1"));
      Files.createDirectories(root.resolve("releases/v2"));
      Files.createSymbolicLink(root.resolve("current"), Path.of("releases/v1"));
      yml.append("      - { name: ")
          .append(h)
          .append(", address: local, deploy_to: ")
          .append(root)
          .append(" }\n");
    }
    config = ConfigReader.read(yml.toString(), "tarmac.yml");
  }

  /** An operation made of {@code phases}: v1 live, v2 its target. */
  class Fake implements Runner.Operation {
    final List<Phase> phases;
    final AtomicBoolean discarded = new AtomicBoolean();
    boolean marksBad = true;

    Fake(Phase... phases) {
      this.phases = List.of(phases);
    }

    @Override
    public String kind() {
      return ReleaseRecord.RELEASE;
    }

    @Override
    public String lockVersion() {
      return "v2";
    }

    @Override
    public Run.Target resolve(List<ReleaseRecord> past) {
      return new Run.Target("v2", "c0ffee", "v1", config, config);
    }

    @Override
    public List<Phase> phases() {
      return phases;
    }

    @Override
    public String failedOn(Run.Target target) {
      return "prepare failed on ";
    }

    @Override
    public void discard(Run run) {
      discarded.set(true);
      ran.add("discard");
    }

    @Override
    public boolean marksBad() {
      return marksBad;
    }
  }

  Runner runner(ReleaseOptions options) {
    return new Runner(
        store, (host, env) -> new LocalTransport(host.name()), "shop", "prod", options);
  }

  ReleaseOptions options() {
    return ReleaseOptions.defaults("tester").withListener(events::add);
  }

  /** A phase that notes that it ran (on each host: its name with the host's). */
  Phase note(String name, Stage stage) {
    return Phase.once(name, stage, run -> ran.add(name));
  }

  Phase noteEach(String name, Stage stage) {
    return Phase.eachHost(
        name,
        stage,
        (run, m) -> {
          m.previous = "v1";
          ran.add(name + "@" + m.name());
        });
  }

  Phase failOn(String host, String name, Stage stage) {
    return Phase.eachHost(
        name,
        stage,
        (run, m) -> {
          if (m.name().equals(host)) {
            throw new Fleet.StepFailed(m.name() + ": " + name + " failed (exit 1): no");
          }
        });
  }

  /**
   * A colleague's {@code --force-unlock} removed the lock; the phase's command then failed (its
   * process ended by the run that took over), saying so in its own words.
   */
  void lockTakenThenFailed(String said) {
    store.delete(StoreLayout.lock("shop", "prod"));
    throw new Fleet.StepFailed(said);
  }

  String current(String host) throws Exception {
    return Files.readSymbolicLink(tmp.resolve(host).resolve("current")).toString();
  }

  List<String> stages() {
    return events.stream()
        .filter(e -> e.kind() == ReleaseEvent.Kind.PHASE)
        .map(ReleaseEvent::task)
        .toList();
  }

  void assertHostLocksReleased() {
    for (String h : List.of("web1", "web2")) {
      assertThat(tmp.resolve(h).resolve(".tarmac/lock")).doesNotExist();
    }
    assertThat(store.exists(StoreLayout.lock("shop", "prod"))).isFalse();
  }

  @Test
  void theDeclaredListRunsInItsOrderStageByStage() throws Exception {
    ReleaseRecord live =
        runner(options())
            .run(
                new Fake(
                    noteEach("check", Stage.PREPARE),
                    note("migrate", Stage.BEFORE_SWITCH),
                    Activation.SWITCH,
                    note("after switch", Stage.ACTIVATE),
                    note("finish", Stage.FINISH),
                    note("live", Stage.LIVE)));
    assertThat(live.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(ran)
        .containsExactlyInAnyOrder(
            "check@web1", "check@web2", "migrate", "after switch", "finish", "live");
    assertThat(ran.subList(2, ran.size()))
        .containsExactly("migrate", "after switch", "finish", "live");
    assertThat(stages()).containsExactly("prepare", "barrier", "activate", "finish");
    assertThat(current("web1")).isEqualTo("releases/v2");
    assertThat(current("web2")).isEqualTo("releases/v2");
    assertThat(live.activationWindowMs()).isNotNull();
    // the shell's start is its own task: a slow login is not timed as "lock host" (issue 26)
    assertThat(live.hosts().get(0).tasks())
        .extracting(ReleaseRecord.TaskRecord::name)
        .startsWith("connect", "log in", "lock host");
    assertHostLocksReleased();
  }

  /** A bug with no message (an NPE) is named with its type and place, never as a bare "null". */
  @Test
  void aFailureWithoutAMessageIsNamedByItsTypeAndPlace() {
    Phase npe =
        Phase.eachHost(
            "buggy",
            Stage.PREPARE,
            (run, m) -> {
              throw new NullPointerException();
            });
    assertThatThrownBy(() -> runner(options()).run(new Fake(npe, Activation.SWITCH)))
        .isInstanceOf(ReleaseFailedException.class)
        .hasMessageContaining(
            "web1: java.lang.NullPointerException at dev.tarmac.deploy.release.RunnerTest")
        .hasMessageNotContaining("\n  null");
  }

  /**
   * A release asked for as soon as the one before is LIVE (a script's next line) waits the moment
   * that run still holds its lock (it closes its sessions after its last record), instead of a 423;
   * a lock held by a run still going is refused at once, as before.
   */
  @Test
  void aRunAskedForRightAfterTheLastOneEndedWaitsForItsLock() throws Exception {
    java.util.concurrent.CompletableFuture<ReleaseRecord> next =
        new java.util.concurrent.CompletableFuture<>();
    ReleaseRecord first =
        runner(options())
            .run(
                new Fake(
                    noteEach("check", Stage.PREPARE),
                    Activation.SWITCH,
                    Phase.once(
                        "ask the next one",
                        Stage.LIVE,
                        run -> {
                          // the record says LIVE; the lock is released only when this run ends
                          Thread t =
                              new Thread(
                                  () -> {
                                    try {
                                      next.complete(
                                          runner(options()).run(new Fake(Activation.SWITCH)));
                                    } catch (RuntimeException e) {
                                      next.completeExceptionally(e);
                                    }
                                  });
                          t.start();
                          try {
                            Thread.sleep(400);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                        })));
    assertThat(first.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(next.get(30, java.util.concurrent.TimeUnit.SECONDS).status())
        .isEqualTo(ReleaseStatus.LIVE);

    // a run that has not ended: refused at once, naming its holder
    Phase holdAndAsk =
        Phase.once(
            "ask while preparing",
            Stage.PREPARE,
            run -> {
              long t0 = System.nanoTime();
              assertThatThrownBy(() -> runner(options()).run(new Fake(Activation.SWITCH)))
                  .isInstanceOf(LockedException.class)
                  .hasMessageContaining("shop/prod is locked by tester");
              assertThat(System.nanoTime() - t0).isLessThan(2_000_000_000L);
            });
    assertThat(runner(options()).run(new Fake(holdAndAsk, Activation.SWITCH)).status())
        .isEqualTo(ReleaseStatus.LIVE);
  }

  /**
   * The stored record keeps the run's phases, each from its start to the next one's and the last to
   * the record's end, so the release page can band them after the run (issue 27; before, the phases
   * were events only and the finished page had none).
   */
  @Test
  void theStoredRecordKeepsEachPhaseFromItsStartToTheNextOnes() throws Exception {
    ReleaseRecord live =
        runner(options()).run(new Fake(noteEach("check", Stage.PREPARE), Activation.SWITCH));
    ReleaseRecord stored = new ReleaseHistory(store, "shop", "prod").get(live.id()).orElseThrow();
    List<ReleaseRecord.PhaseRecord> phases = stored.phases();
    assertThat(phases)
        .extracting(ReleaseRecord.PhaseRecord::name)
        .containsExactly("prepare", "barrier", "activate", "finish");
    assertThat(phases.get(0).startedAt()).isAfterOrEqualTo(stored.startedAt());
    for (int i = 0; i + 1 < phases.size(); i++) {
      assertThat(phases.get(i).finishedAt()).isEqualTo(phases.get(i + 1).startedAt());
    }
    assertThat(phases.get(3).finishedAt()).isEqualTo(stored.finishedAt());
    // the phases' times are the events' times: the live page and the stored one draw the same
    assertThat(events.stream().filter(e -> e.kind() == ReleaseEvent.Kind.PHASE))
        .extracting(ReleaseEvent::at)
        .containsExactlyElementsOf(
            phases.stream().map(ReleaseRecord.PhaseRecord::startedAt).toList());

    Fake failing = new Fake(failOn("web2", "download", Stage.PREPARE), Activation.SWITCH);
    assertThatThrownBy(() -> runner(options()).run(failing))
        .isInstanceOf(ReleaseFailedException.class);
    ReleaseRecord failed = new ReleaseHistory(store, "shop", "prod").list().get(0);
    assertThat(failed.status()).isEqualTo(ReleaseStatus.FAILED);
    assertThat(failed.phases())
        .extracting(ReleaseRecord.PhaseRecord::name)
        .containsExactly("prepare", "barrier");
    assertThat(failed.phases().get(1).finishedAt()).isEqualTo(failed.finishedAt());
  }

  @Test
  void aHostFailingToPrepareDiscardsAndActivatesNothing() throws Exception {
    Fake op =
        new Fake(
            noteEach("check", Stage.PREPARE),
            failOn("web2", "download", Stage.PREPARE),
            note("migrate", Stage.BEFORE_SWITCH),
            Activation.SWITCH);
    assertThatThrownBy(() -> runner(options()).run(op))
        .isInstanceOf(ReleaseFailedException.class)
        .hasMessage(
            "shop v2 to prod: prepare failed on 1 of 2 hosts; nothing was activated (v1 still"
                + " serves):\n  web2: download failed (exit 1): no");
    assertThat(op.discarded).isTrue();
    assertThat(ran).doesNotContain("migrate");
    assertThat(current("web1")).isEqualTo("releases/v1");
    assertHostLocksReleased();
  }

  /**
   * A hook printing megabytes on every host (issue 25: 30 MB on 3 hosts made a 6.3 MB record, each
   * host's output in its task and again in the release's error): the record keeps the ends of each
   * host's output once (its task: 8 Ki; the error: a line's worth), the whole in a log object of
   * its own. Before: 64 Ki in the task and 4 Ki more in the error per host, and no log (the middle
   * was gone).
   */
  @Test
  void aHostsHugeOutputIsKeptOnceInTheRecordAndWholeInItsLog() throws Exception {
    Fake op =
        new Fake(
            Phase.eachHost(
                "prepare hook",
                Stage.PREPARE,
                (run, m) ->
                    run.fleet.task(
                        m,
                        "prepare hook",
                        () -> {
                          throw new DeployException(
                              "exit 1: " + "x".repeat(3_000_000) + "\nthe end");
                        })),
            Activation.SWITCH);

    ReleaseFailedException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            ReleaseFailedException.class, () -> runner(options()).run(op));

    ReleaseRecord r = e.record();
    assertThat(dev.tarmac.distributor.model.Json.write(r).length).isLessThan(24_000);
    String x = "x".repeat(8192);
    assertThat(r.error())
        .isEqualTo(
            "shop v2 to prod: prepare failed on 2 of 2 hosts; nothing was activated (v1 still"
                + " serves):\n"
                + "  web1: prepare hook failed: exit 1: "
                + x.substring(0, 128 - 35)
                + "\n[… 7746 characters cut: the first 128 and the last 384 are kept]\n"
                + x.substring(0, 384 - 8)
                + "\nthe end\n"
                + "  web2: prepare hook failed: exit 1: "
                + x.substring(0, 128 - 35)
                + "\n[… 7746 characters cut: the first 128 and the last 384 are kept]\n"
                + x.substring(0, 384 - 8)
                + "\nthe end");
    TaskLogs logs = new TaskLogs(store, "shop", "prod");
    for (ReleaseRecord.HostRecord h : r.hosts()) {
      ReleaseRecord.TaskRecord hook =
          h.tasks().stream().filter(t -> !t.ok()).findFirst().orElseThrow();
      String head = h.name() + ": prepare hook failed: exit 1: ";
      assertThat(hook.detail())
          .isEqualTo(
              head
                  + x.substring(0, 2048 - head.length())
                  + "\n[… 2991851 characters cut: the first 2048 and the last 6144 are kept]\n"
                  + x.substring(0, 6144 - 8)
                  + "\nthe end");
      assertThat(hook.log()).isEqualTo(h.name() + "/prepare hook");
      assertThat(
              store.exists(
                  "apps/shop/envs/prod/logs/"
                      + String.format("%08d", r.id())
                      + "/"
                      + h.name()
                      + "/prepare-hook.log"))
          .isTrue();
      assertThat(new String(logs.read(r.id(), h.name(), "prepare hook").orElseThrow()))
          .isEqualTo(head + "x".repeat(3_000_000) + "\nthe end");
    }
    // as read back from the store, each failed task still names its log
    ReleaseRecord stored = new ReleaseHistory(store, "shop", "prod").get(r.id()).orElseThrow();
    assertThat(
            stored.hosts().stream()
                .flatMap(h -> h.tasks().stream())
                .filter(t -> !t.ok())
                .map(ReleaseRecord.TaskRecord::log))
        .containsExactlyInAnyOrder("web1/prepare hook", "web2/prepare hook");
    assertThat(events)
        .filteredOn(ev -> ev.kind() == ReleaseEvent.Kind.FAILED)
        .allMatch(ev -> ev.message().length() < 9_000);
  }

  @Test
  void aFailureBeforeTheSwitchSwitchesNothingAndMarksTheVersionBad() throws Exception {
    Fake op =
        new Fake(
            noteEach("check", Stage.PREPARE),
            Phase.once(
                "migrate",
                Stage.BEFORE_SWITCH,
                run -> {
                  throw new DeployException("migration failed: db: exit 2");
                }),
            Activation.SWITCH);
    assertThatThrownBy(() -> runner(options()).run(op))
        .hasMessage(
            "shop v2 to prod: migration failed: db: exit 2; nothing was switched (v1 still"
                + " serves)");
    assertThat(op.discarded).isFalse();
    assertThat(tmp.resolve("web1/.tarmac/bad/v2")).exists();
    assertThat(tmp.resolve("web2/.tarmac/bad/v2")).exists();
    assertThat(current("web2")).isEqualTo("releases/v1");
    assertHostLocksReleased();
  }

  @Test
  void aProblemAfterTheSwitchSwitchesEveryHostBack() throws Exception {
    Fake op =
        new Fake(
            noteEach("check", Stage.PREPARE),
            Activation.SWITCH,
            failOn("web2", "health", Stage.ACTIVATE),
            note("never", Stage.ACTIVATE),
            note("finish", Stage.FINISH));
    assertThatThrownBy(() -> runner(options()).run(op))
        .hasMessage(
            "shop v2 to prod: activation failed; every host was switched back (v1 still"
                + " serves):\n  web2: health failed (exit 1): no");
    assertThat(ran).doesNotContain("never", "finish");
    assertThat(stages()).contains("switch back");
    assertThat(current("web1")).isEqualTo("releases/v1");
    assertThat(current("web2")).isEqualTo("releases/v1");
    assertHostLocksReleased();
  }

  @Test
  void aFailureInTheFinishIsAWarning() throws Exception {
    ReleaseRecord r =
        runner(options())
            .run(
                new Fake(
                    noteEach("check", Stage.PREPARE),
                    Activation.SWITCH,
                    failOn("web1", "cleanup", Stage.FINISH),
                    note("after cleanup", Stage.FINISH)));
    assertThat(r.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(ran).contains("after cleanup");
    assertThat(current("web1")).isEqualTo("releases/v2");
    assertThat(r.warnings())
        .containsExactly(
            "cleanup failed after the switch (the release is live): web1: cleanup failed (exit 1):"
                + " no");
  }

  /**
   * A host that cannot write its revision log (a full disk) after the switch: the release is live,
   * and its record says so (issue 25: it said nothing, and that host's clean-up and {@code rollback
   * --to} decide from the log). Before: LIVE with no warning anywhere but the timeline.
   */
  @Test
  void aRevisionLogThatFailedIsAWarningInTheRecord() throws Exception {
    ReleaseRecord r =
        runner(options())
            .run(
                new Fake(
                    noteEach("check", Stage.PREPARE),
                    Activation.SWITCH,
                    failOn("web2", "log revision", Stage.FINISH)));
    assertThat(r.status()).isEqualTo(ReleaseStatus.LIVE);
    List<String> expected =
        List.of(
            "log revision failed after the switch (the release is live): web2: log revision"
                + " failed (exit 1): no; a host whose revisions.log lacks this release cleans up by"
                + " its older entries, and `rollback --to` does not find this release there");
    assertThat(r.warnings()).isEqualTo(expected);
    assertThat(new ReleaseHistory(store, "shop", "prod").get(r.id()).orElseThrow().warnings())
        .isEqualTo(expected);
  }

  @Test
  void aLockTakenUnderAFailingCommandIsSaidAsSuchNotAsTheCommandsFailure() throws Exception {
    // the user hears that the lock was taken, not what the killed command said
    Fake op =
        new Fake(
            noteEach("check", Stage.PREPARE),
            Phase.once(
                "migrate",
                Stage.BEFORE_SWITCH,
                run -> lockTakenThenFailed("migration failed: web1: migrate failed (exit 137)")),
            Activation.SWITCH);
    assertThatThrownBy(() -> runner(options()).run(op))
        .hasMessage(
            "shop v2 to prod: fenced off: the environment lock was taken by nobody (it was"
                + " removed) while this release ran; it stops here and changes nothing more; it"
                + " stopped during activation and changed nothing more: check `tarmac status`"
                + " (what this run prepared is removed only where it still held the host lock;"
                + " the run that took over is left alone)");
    assertThat(tmp.resolve("web1/.tarmac/bad/v2")).doesNotExist();
    assertThat(current("web1")).isEqualTo("releases/v1");
  }

  @Test
  void aLockTakenDuringPrepareDiscardsAndSaysWhoTookIt() throws Exception {
    Fake op =
        new Fake(
            noteEach("check", Stage.PREPARE),
            Phase.eachHost(
                "hook",
                Stage.PREPARE,
                (run, m) ->
                    lockTakenThenFailed(m.name() + ": prepare hooks failed (exit 2): getcwd")),
            Activation.SWITCH);
    assertThatThrownBy(() -> runner(options()).run(op))
        .hasMessageStartingWith(
            "shop v2 to prod: fenced off: the environment lock was taken by nobody (it was"
                + " removed) while this release ran; it stops here and changes nothing more;"
                + " nothing was activated (v1 still serves)")
        .hasMessageNotContaining("getcwd");
    assertThat(op.discarded).isTrue();
  }

  @Test
  void aCancelBeforeTheSwitchDiscardsAfterTheSwitchSwitchesBack() throws Exception {
    AtomicBoolean cancel = new AtomicBoolean(true);
    Fake before =
        new Fake(
            noteEach("check", Stage.PREPARE),
            note("migrate", Stage.BEFORE_SWITCH),
            Activation.SWITCH);
    assertThatThrownBy(() -> runner(options().withCancelled(cancel::get)).run(before))
        .hasMessage(
            "shop v2 to prod: cancelled before the switch; nothing was activated (v1 still"
                + " serves)");
    assertThat(before.discarded).isTrue();
    assertThat(ran).doesNotContain("migrate");

    cancel.set(false);
    Fake after =
        new Fake(
            noteEach("check", Stage.PREPARE),
            Activation.SWITCH,
            Phase.once("hooks", Stage.ACTIVATE, run -> cancel.set(true)),
            note("finish", Stage.FINISH));
    assertThatThrownBy(() -> runner(options().withCancelled(cancel::get)).run(after))
        .hasMessage(
            "shop v2 to prod: cancelled after the switch; every host was switched back (v1 still"
                + " serves)");
    assertThat(after.discarded).isFalse();
    assertThat(ran).doesNotContain("finish");
    assertThat(current("web1")).isEqualTo("releases/v1");
    assertThat(current("web2")).isEqualTo("releases/v1");
    assertHostLocksReleased();
  }

  @Test
  void theRecordIsMadeBeforeAnyHostIsTouchedAndARefusalKeepsNoLock() throws Exception {
    ReleaseRun started = runner(options()).start(new Fake(noteEach("check", Stage.PREPARE)));
    ReleaseRecord first = started.record();
    assertThat(first.status()).isEqualTo(ReleaseStatus.PREPARING);
    assertThat(new ReleaseHistory(store, "shop", "prod").get(first.id())).isPresent();
    assertThat(tmp.resolve("web1/.tarmac")).doesNotExist(); // no host touched yet
    assertThat(store.exists(StoreLayout.lock("shop", "prod"))).isTrue();
    started.close();
    assertThat(store.exists(StoreLayout.lock("shop", "prod"))).isFalse();

    Fake refusing =
        new Fake() {
          @Override
          public Run.Target resolve(List<ReleaseRecord> past) {
            throw new DeployException("v2 is already live; nothing to do");
          }
        };
    assertThatThrownBy(() -> runner(options()).start(refusing))
        .hasMessage("v2 is already live; nothing to do");
    assertThat(store.exists(StoreLayout.lock("shop", "prod"))).isFalse();
    assertThat(ran).isEmpty();
  }
}
