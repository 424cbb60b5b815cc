package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.remote.HookEnv;
import dev.tarmac.deploy.remote.ReleaseCommands;
import java.time.Duration;
import java.util.List;

/**
 * The moment a version goes live, shared by a release and a rollback: {@code current} switched on
 * every host at once, then the {@code activate} hooks on every host, then the health check on every
 * host. Stops at the first step that fails somewhere; the caller switches back.
 */
final class Activation {
  /** The activation window, and what failed (empty: the version is live everywhere). */
  record Result(Duration window, List<String> problems) {}

  private Activation() {}

  static Result run(Fleet fleet, String app, String env, String version, TarmacConfig config) {
    List<Member> all = fleet.members();
    Duration window = fleet.switchTo(all, "switch", m -> version, true);
    List<String> problems =
        all.stream().filter(m -> m.failure != null).map(m -> m.failure).toList();
    List<String> hooks = config.release().hooks().activate();
    if (problems.isEmpty() && !hooks.isEmpty()) {
      problems =
          messages(
              fleet.eachHost(
                  all,
                  all.size(),
                  m ->
                      fleet.run(
                          m,
                          "activate hooks",
                          ReleaseCommands.hooks(
                              m.layout.release(version),
                              new HookEnv(app, version, env, m.name(), m.previous)
                                  .variables(m.layout),
                              hooks))));
    }
    if (problems.isEmpty() && config.release().health().isPresent()) {
      TarmacConfig.Health health = config.release().health().get();
      problems =
          messages(
              fleet.eachHost(
                  all,
                  all.size(),
                  m ->
                      fleet.run(
                          m,
                          "health",
                          ReleaseCommands.health(
                              m.layout,
                              health.url().replace("{host}", m.name()),
                              (int) Math.max(1, health.timeout().toSeconds()),
                              health.contains().map(c -> c.replace("{version}", version))),
                          health.timeout().plusSeconds(10))));
    }
    return new Result(window, problems);
  }

  static List<String> messages(List<Member> failed) {
    return failed.stream().map(m -> m.failure).toList();
  }
}
