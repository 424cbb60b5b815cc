package dev.tarmac.distributor.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A published build: {@code apps/<app>/builds/<version>/build.json}, written last, once. Its
 * presence is what makes a build visible.
 *
 * @param sha256 of {@code artifact.tar.gz}
 * @param size of {@code artifact.tar.gz} in bytes
 * @param files regular files in the artifact (lines of the manifest)
 * @param config the {@code tarmac.yml} text at the tag (environments and hooks of this version)
 * @param kind what was built: absent (records before builds from any ref) or {@code tag} for a tag,
 *     {@code branch} or {@code commit} for a build from another ref ({@code tarmac build --ref}),
 *     whose version is named from its commit ({@code main-1a2b3c4}) and which is not a tag
 * @param ref the branch or commit asked for, for a build that is not a tag's
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BuildRecord(
    String app,
    String version,
    String tag,
    String commit,
    String sha256,
    long size,
    int files,
    String manifestSha256,
    String config,
    Instant queuedAt,
    Instant startedAt,
    Instant finishedAt,
    String kind,
    String ref) {
  /** {@link #kind} of a tag's build. */
  public static final String TAG = "tag";

  /** A tag's build (before {@link #kind} existed). */
  public BuildRecord(
      String app,
      String version,
      String tag,
      String commit,
      String sha256,
      long size,
      int files,
      String manifestSha256,
      String config,
      Instant queuedAt,
      Instant startedAt,
      Instant finishedAt) {
    this(
        app,
        version,
        tag,
        commit,
        sha256,
        size,
        files,
        manifestSha256,
        config,
        queuedAt,
        startedAt,
        finishedAt,
        TAG,
        null);
  }

  /**
   * True when this version is a tag's build; false for a branch's or a commit's, which an
   * environment taking tags only must not take (docs/architecture.md, "Builds from any ref").
   */
  public boolean fromTag() {
    return kind == null || TAG.equals(kind);
  }
}
