package dev.tarmac.builder.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.service.App;
import dev.tarmac.builder.service.BuildRetention;
import java.time.Instant;
import java.util.Optional;

/**
 * An app as the API answers it: the redacted repository URL, the kind of credential it is fetched
 * with (and a deploy key's public key; never a secret), and what the last clean-up of its builds in
 * the store removed and kept ({@code retention}, docs/api.md).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppView(
    String name,
    String repo,
    boolean watch,
    Instant createdAt,
    RepoSecrets.Shown credential,
    BuildRetention.Result retention,
    java.util.List<String> branches) {

  static AppView of(
      App app, Optional<RepoSecrets.Shown> credential, BuildRetention.Result retention) {
    App shown = app.redacted();
    return new AppView(
        shown.name(),
        shown.repo(),
        shown.watch(),
        shown.createdAt(),
        credential.orElse(null),
        retention,
        shown.branches());
  }
}
