package dev.tarmac.builder.service;

import dev.tarmac.distributor.model.BuildRecord;

/** A build just published to the store (a CDI event, fired once per build that did work). */
public record BuildPublished(BuildRecord build) {}
