package dev.tarmac.builder.auth;

import java.time.Instant;
import java.util.List;

/**
 * A named API token as stored: the SHA-256 of its secret, never the secret. {@code envs} empty
 * means every environment.
 */
public record Token(String name, Role role, List<String> envs, String sha256, Instant createdAt) {
  public Token {
    envs = envs == null ? List.of() : List.copyOf(envs);
  }

  /** May this token release to or roll back {@code env}? */
  public boolean reaches(String env) {
    return role == Role.ADMIN || envs.isEmpty() || envs.contains(env);
  }

  /** The token as the API lists it: no secret, no hash. */
  public Info info() {
    return new Info(name, role.label(), envs, createdAt);
  }

  public record Info(String name, String role, List<String> envs, Instant createdAt) {}
}
