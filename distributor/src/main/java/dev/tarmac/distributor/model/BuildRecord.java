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
    Instant finishedAt) {}
