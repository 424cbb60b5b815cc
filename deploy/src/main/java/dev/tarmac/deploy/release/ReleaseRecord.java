package dev.tarmac.deploy.release;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One release or rollback of an app to an environment, as kept in the store ({@code
 * apps/<app>/envs/<env>/releases/<id>.json}): who, what, when, and per host per task start and end
 * times and outcome, and the activation window (first switch started → last switch finished).
 *
 * @param kind {@code release} or {@code rollback}
 * @param previousVersion what was live before (empty on a first release)
 * @param backup the database dump taken on the primary db host before the migration, if any
 * @param phases the run's phases as the runner announced them (prepare, barrier, activate, finish,
 *     switch back, cancel), each from its start to the next one's (the last to the record's end);
 *     null in records written before they were kept
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReleaseRecord(
    long id,
    String app,
    String env,
    String kind,
    String version,
    String commit,
    String previousVersion,
    ReleaseStatus status,
    String who,
    Instant startedAt,
    Instant finishedAt,
    Long activationWindowMs,
    Backup backup,
    String error,
    List<HostRecord> hosts,
    List<PhaseRecord> phases,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> warnings,
    ConfigUsed config) {

  /**
   * What the store and the API read. {@code warnings}: what the run was told before it started (a
   * {@code tarmac.yml} whose {@code environments:} block was ignored, docs/environments.md), then
   * what failed after the switch while the release went live anyway (a host's revision log not
   * written: its clean-up and {@code rollback --to} decide from that log).
   */
  @com.fasterxml.jackson.annotation.JsonCreator
  public ReleaseRecord {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  /**
   * The revisions of the app's configuration a release rendered
   * (docs/configuration-and-secrets.md): the app-wide one and the environment's (0: none yet), and
   * the names — never a value. A rollback renders the revisions of the release it goes back to.
   */
  public record ConfigUsed(long app, long env, List<String> names) {}

  public static final String RELEASE = "release";
  public static final String ROLLBACK = "rollback";

  /** A record without phases, as written before they were kept. */
  public ReleaseRecord(
      long id,
      String app,
      String env,
      String kind,
      String version,
      String commit,
      String previousVersion,
      ReleaseStatus status,
      String who,
      Instant startedAt,
      Instant finishedAt,
      Long activationWindowMs,
      Backup backup,
      String error,
      List<HostRecord> hosts) {
    this(
        id,
        app,
        env,
        kind,
        version,
        commit,
        previousVersion,
        status,
        who,
        startedAt,
        finishedAt,
        activationWindowMs,
        backup,
        error,
        hosts,
        null,
        List.of(),
        null);
  }

  /**
   * One phase of the run (docs/architecture.md, "The release as a list of phases"): {@code
   * finishedAt} is null while it is the phase the run is in.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PhaseRecord(String name, Instant startedAt, Instant finishedAt) {}

  public record Backup(String key, String sha256, long size) {}

  /**
   * What one host received for this release: {@code full} (the artifact), {@code delta} (from
   * {@code from}), or {@code none} (the release was on the host already).
   */
  public record Transfer(String mode, String from, long bytes) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record HostRecord(
      String name, Transfer transfer, List<TaskRecord> tasks, Integer sessions) {}

  /**
   * One step on one host; {@code detail} holds its output when it failed (or what it found), at
   * most {@value Fleet#TASK_TEXT} characters of it; {@code log} names the object that keeps all of
   * it when it was cut ({@link TaskLogs}; null: the detail is whole).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TaskRecord(
      String name, Instant startedAt, Instant finishedAt, boolean ok, String detail, String log) {
    /** What a record read from the store is made with (not the shorter one below, without log). */
    @com.fasterxml.jackson.annotation.JsonCreator
    public TaskRecord {}

    public TaskRecord(
        String name, Instant startedAt, Instant finishedAt, boolean ok, String detail) {
      this(name, startedAt, finishedAt, ok, detail, null);
    }

    /** The same task without its detail: what a page of the history carries. */
    public TaskRecord withoutDetail() {
      return new TaskRecord(name, startedAt, finishedAt, ok, null, log);
    }
  }

  /**
   * The host a contract migration ran on in this run (its {@code contract} task, done or failed: a
   * failed one may be partly applied), or null: read from the record's tasks, so records written
   * before contracts existed say none (docs/releasing.md, "Expand and contract").
   */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public String contractOn() {
    return contractTask().map(t -> t.host().name()).orElse(null);
  }

  /** Whether the contract migration that ran ({@link #contractOn}) ended well. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean contractOk() {
    return contractTask().map(t -> t.task().ok()).orElse(false);
  }

  private java.util.Optional<HostTask> contractTask() {
    if (hosts == null) {
      return java.util.Optional.empty();
    }
    for (HostRecord h : hosts) {
      for (TaskRecord t : h.tasks() == null ? List.<TaskRecord>of() : h.tasks()) {
        if (Release.CONTRACT.equals(t.name())) {
          return java.util.Optional.of(new HostTask(h, t));
        }
      }
    }
    return java.util.Optional.empty();
  }

  private record HostTask(HostRecord host, TaskRecord task) {}

  /** The same record with no task's detail (the error stays): a list's entry. */
  public ReleaseRecord withoutTaskDetails() {
    if (hosts == null) {
      return this;
    }
    List<HostRecord> slim =
        hosts.stream()
            .map(
                h ->
                    new HostRecord(
                        h.name(),
                        h.transfer(),
                        h.tasks() == null
                            ? null
                            : h.tasks().stream().map(TaskRecord::withoutDetail).toList(),
                        h.sessions()))
            .toList();
    return progressed(status, finishedAt, activationWindowMs, backup, error, slim);
  }

  /** A release or rollback that has just started: PREPARING, no host has done anything yet. */
  public static ReleaseRecord started(
      long id,
      String app,
      String env,
      String kind,
      String version,
      String commit,
      String previousVersion,
      String who,
      Instant at) {
    return new ReleaseRecord(
        id,
        app,
        env,
        kind,
        version,
        commit,
        previousVersion,
        ReleaseStatus.PREPARING,
        who,
        at,
        null,
        null,
        null,
        null,
        List.of(),
        List.of(),
        List.of(),
        null);
  }

  public ReleaseRecord withStatus(ReleaseStatus newStatus) {
    return progressed(newStatus, finishedAt, activationWindowMs, backup, error, hosts);
  }

  /** The same record with {@code newPhases}. */
  public ReleaseRecord withPhases(List<PhaseRecord> newPhases) {
    return copy(newPhases, warnings, config);
  }

  /** The same release (id, who, what, since when, its phases) with its progress so far. */
  public ReleaseRecord progressed(
      ReleaseStatus newStatus,
      Instant newFinishedAt,
      Long windowMs,
      Backup newBackup,
      String newError,
      List<HostRecord> newHosts) {
    return new ReleaseRecord(
        id,
        app,
        env,
        kind,
        version,
        commit,
        previousVersion,
        newStatus,
        who,
        startedAt,
        newFinishedAt,
        windowMs,
        newBackup,
        newError,
        newHosts,
        phases,
        warnings,
        config);
  }

  /**
   * The same record with {@code newWarnings}: what the run was told before it started (a {@code
   * tarmac.yml} whose {@code environments:} block was ignored, docs/environments.md).
   */
  public ReleaseRecord withWarnings(List<String> newWarnings) {
    return copy(phases, newWarnings, config);
  }

  /** The same record, saying which configuration it rendered. */
  public ReleaseRecord withConfig(ConfigUsed used) {
    return copy(phases, warnings, used);
  }

  /** The same record with its phases, warnings and configuration as given. */
  private ReleaseRecord copy(List<PhaseRecord> p, List<String> w, ConfigUsed c) {
    return new ReleaseRecord(
        id,
        app,
        env,
        kind,
        version,
        commit,
        previousVersion,
        status,
        who,
        startedAt,
        finishedAt,
        activationWindowMs,
        backup,
        error,
        hosts,
        p,
        w,
        c);
  }
}
