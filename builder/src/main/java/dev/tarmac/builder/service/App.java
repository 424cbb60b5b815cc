package dev.tarmac.builder.service;

import java.time.Instant;

/** A registered app: its name, its git repository, and whether new tags are built automatically. */
public record App(String name, String repo, boolean watch, Instant createdAt) {
  /** The app as the API answers it: a password in the repository URL is {@code ***}. */
  public App redacted() {
    return new App(name, dev.tarmac.builder.git.RepoUrls.redact(repo), watch, createdAt);
  }
}
