package dev.tarmac.distributor.delta;

import java.util.List;

/**
 * A delta in the store ({@code apps/<app>/deltas/<from>..<to>.json}, written after the delta).
 *
 * @param sha256 of the delta's bytes ({@code <from>..<to>.tar.gz}); a host checks it before use
 * @param size of the delta in bytes
 * @param changed entries of {@code to} carried in the delta (new or different)
 * @param unchanged entries of {@code to} a host copies from its {@code from}
 * @param removed entries of {@code from} that {@code to} no longer has
 * @param entries every entry of {@code to}
 * @param fromSha256 the sha256 of {@code from}'s artifact it was made from (its build record's)
 * @param toSha256 the sha256 of {@code to}'s artifact it was made from (its build record's)
 * @param manifestSha256 the sha256 of {@code to}'s manifest it carries (its build record's)
 * @param fresh the paths whose entries are always carried (shared paths), sorted
 */
public record DeltaRecord(
    String app,
    String from,
    String to,
    String sha256,
    long size,
    int changed,
    int unchanged,
    int removed,
    int entries,
    String fromSha256,
    String toSha256,
    String manifestSha256,
    List<String> fresh) {}
