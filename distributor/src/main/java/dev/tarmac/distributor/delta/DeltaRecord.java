package dev.tarmac.distributor.delta;

/**
 * A delta in the store ({@code apps/<app>/deltas/<from>..<to>.json}, written after the delta).
 *
 * @param changed entries of {@code to} carried in the delta (new or different)
 * @param unchanged entries of {@code to} a host copies from its {@code from}
 * @param removed entries of {@code from} that {@code to} no longer has
 * @param entries every entry of {@code to}
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
    int entries) {}
