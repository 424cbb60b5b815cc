package dev.tarmac.builder.service;

import java.time.Instant;

/** A registered app: its name, its git repository, and whether new tags are built automatically. */
public record App(String name, String repo, boolean watch, Instant createdAt) {}
