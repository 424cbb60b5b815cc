package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.remote.HookCommands;
import dev.tarmac.deploy.remote.HookEnv;
import java.time.Duration;
import java.util.List;

/**
 * The moment a version goes live, the same for a release and a rollback: {@code current} switched
 * on every host at once (after every host acknowledged it is staged), then the {@code activate}
 * hooks on every host (of their roles), then the health check on every host, then the cache purges
 * ({@link PurgeCaches}: a failure is a warning unless required). Stops at the first step that fails
 * somewhere; the {@link Lifecycle} switches back.
 */
final class Activation {
  /** The activation window, and what failed (empty: the version is live everywhere). */
  record Result(Duration window, List<String> problems) {}

  private Activation() {}

  static Result run(
      Fleet fleet, String app, String env, String version, TarmacConfig config, Duration ackLimit) {
    List<Member> all = fleet.members();
    Duration window = fleet.switchTo(all, "switch", m -> version, true, ackLimit);
    List<String> problems =
        all.stream().filter(m -> m.failure != null).map(m -> m.failure).toList();
    if (problems.isEmpty()) {
      problems = activateHooks(fleet, app, env, m -> version, config);
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
                          HookCommands.health(
                              m.layout,
                              health.url().replace("{host}", m.name()),
                              (int) Math.max(1, health.timeout().toSeconds()),
                              health.contains().map(c -> c.replace("{version}", version))),
                          health.timeout().plusSeconds(10))));
    }
    if (problems.isEmpty()) {
      problems = PurgeCaches.run(fleet, version, config.release().purge());
    }
    return new Result(window, problems);
  }

  /**
   * Runs the {@code activate} hooks of {@code config} on every host that serves {@code
   * version.apply(host)} (those of its roles); returns what failed.
   */
  static List<String> activateHooks(
      Fleet fleet,
      String app,
      String env,
      java.util.function.Function<Member, String> version,
      TarmacConfig config) {
    List<Member> hosts =
        fleet.members().stream()
            .filter(m -> version.apply(m) != null)
            .filter(m -> !Hooks.on(config.release().hooks().activate(), m.host).isEmpty())
            .toList();
    return messages(
        fleet.eachHost(
            hosts,
            Math.max(1, hosts.size()),
            m ->
                fleet.change(
                    m,
                    "activate hooks",
                    HookCommands.hooks(
                        m.layout.release(version.apply(m)),
                        new HookEnv(app, version.apply(m), env, m.name(), m.previous)
                            .variables(m.layout),
                        Hooks.on(config.release().hooks().activate(), m.host)))));
  }

  static List<String> messages(List<Member> failed) {
    return failed.stream().map(m -> m.failure).toList();
  }
}
