package dev.tarmac.builder.service;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.tarmac.deploy.release.ReleaseRecord;

/**
 * A release record as the history API answers it: the stored record's fields, and {@code state},
 * the word {@link ReleaseState} gives it in its environment's history now ({@code LIVE} only for
 * the record live now, {@code superseded} for an older one that went live).
 */
public record ReleaseView(@JsonUnwrapped ReleaseRecord record, String state) {}
