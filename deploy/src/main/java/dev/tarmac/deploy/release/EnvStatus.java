package dev.tarmac.deploy.release;

import java.util.List;

/**
 * What is live where: per host the release {@code current} points at, its {@code REVISION}, the
 * releases on disk, and drift (the host serves something else than the history says is live).
 */
public record EnvStatus(String app, String env, String recorded, List<HostStatus> hosts) {

  public record HostStatus(
      String name,
      String live,
      String revision,
      List<String> releases,
      List<String> bad,
      boolean drift,
      String error) {}

  public boolean drift() {
    return hosts.stream().anyMatch(HostStatus::drift);
  }
}
