package dev.tarmac.builder.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tarmac.distributor.model.BuildRecord;
import java.time.Instant;

/** A build as the API shows it, in any status: QUEUED, RUNNING, SUCCEEDED or FAILED. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record BuildView(
    String app,
    String version,
    String tag,
    String commit,
    Status status,
    String sha256,
    Long size,
    Integer files,
    Instant queuedAt,
    Instant startedAt,
    Instant finishedAt,
    String error,
    String kind,
    String ref) {

  public enum Status {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  public static BuildView queued(String app, String tag, Instant at) {
    return new BuildView(
        app, tag, tag, null, Status.QUEUED, null, null, null, at, null, null, null, "tag", null);
  }

  /**
   * A queued build of a branch or a commit (docs/architecture.md, "Builds from any ref"): no tag,
   * the version named from the commit.
   */
  public static BuildView queuedRef(
      String app, String version, String kind, String ref, String commit, Instant at) {
    return new BuildView(
        app,
        version,
        null,
        commit,
        Status.QUEUED,
        null,
        null,
        null,
        at,
        null,
        null,
        null,
        kind,
        ref);
  }

  /** True for a build of a branch or a commit, not of a tag. */
  public boolean fromRef() {
    return kind != null && !kind.equals("tag");
  }

  public static BuildView of(BuildRecord r) {
    return new BuildView(
        r.app(),
        r.version(),
        r.tag(),
        r.commit(),
        Status.SUCCEEDED,
        r.sha256(),
        r.size(),
        r.files(),
        r.queuedAt(),
        r.startedAt(),
        r.finishedAt(),
        null,
        r.kind() == null ? "tag" : r.kind(),
        r.ref());
  }

  public BuildView running(Instant at) {
    return new BuildView(
        app,
        version,
        tag,
        commit,
        Status.RUNNING,
        null,
        null,
        null,
        queuedAt,
        at,
        null,
        null,
        kind,
        ref);
  }

  public BuildView failed(Instant at, String why) {
    return new BuildView(
        app,
        version,
        tag,
        commit,
        Status.FAILED,
        null,
        null,
        null,
        queuedAt,
        startedAt,
        at,
        why,
        kind,
        ref);
  }

  public boolean inProgress() {
    return status == Status.QUEUED || status == Status.RUNNING;
  }
}
