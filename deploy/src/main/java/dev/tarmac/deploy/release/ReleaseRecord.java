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
    ConfigUsed config) {

  /** A record written before releases kept their configuration's revisions. */
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
        null);
  }

  /**
   * The revisions of the app's configuration a release rendered
   * (docs/configuration-and-secrets.md): the app-wide one and the environment's (0: none yet), and
   * the names — never a value. A rollback renders the revisions of the release it goes back to.
   */
  public record ConfigUsed(long app, long env, List<String> names) {}

  public static final String RELEASE = "release";
  public static final String ROLLBACK = "rollback";

  public record Backup(String key, String sha256, long size) {}

  /**
   * What one host received for this release: {@code full} (the artifact), {@code delta} (from
   * {@code from}), or {@code none} (the release was on the host already).
   */
  public record Transfer(String mode, String from, long bytes) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record HostRecord(
      String name, Transfer transfer, List<TaskRecord> tasks, Integer sessions) {}

  /** One step on one host; {@code detail} holds its output when it failed (or what it found). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TaskRecord(
      String name, Instant startedAt, Instant finishedAt, boolean ok, String detail) {}

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
        List.of());
  }

  /** The same record, saying which configuration it rendered. */
  public ReleaseRecord withConfig(ConfigUsed used) {
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
        used);
  }

  public ReleaseRecord withStatus(ReleaseStatus newStatus) {
    return progressed(newStatus, finishedAt, activationWindowMs, backup, error, hosts);
  }

  /** The same release (id, who, what, since when) with its progress so far. */
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
        config);
  }
}
