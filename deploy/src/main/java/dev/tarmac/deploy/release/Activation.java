package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.Phase.Problems;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.remote.HookCommands;
import dev.tarmac.deploy.remote.HookEnv;
import java.util.List;
import java.util.function.Function;

/**
 * The moment a version goes live, the same phases for a release and a rollback ({@link
 * Stage#ACTIVATE}): {@code current} switched on every host at once (after every host acknowledged
 * it is staged), then the {@code activate} hooks on every host (of their roles), then the health
 * check on every host, then the cache purges ({@link PurgeCaches}: a failure is a warning unless
 * required). The {@link Runner} stops at the first that fails somewhere and switches back.
 */
final class Activation {
  private Activation() {}

  /** {@code current} switched on every host at once; the window measured. */
  static final Phase SWITCH = Phase.once("switch", Stage.ACTIVATE, Activation::switchEveryHost);

  /** The {@code activate} hooks of each host's roles, every host at once. */
  static final Phase ACTIVATE_HOOKS =
      Phase.eachHost(
          "activate hooks",
          Stage.ACTIVATE,
          (run, m) -> activateHooks(run, m, run.version(), run.config()));

  /** {@code release.health} on every host. */
  static final Phase HEALTH = Phase.eachHost("health", Stage.ACTIVATE, Activation::health);

  /** {@code release.purge}: a failure is a problem only when the purge is required. */
  static final Phase PURGE =
      Phase.once(
          "purge",
          Stage.ACTIVATE,
          run -> {
            List<String> problems =
                PurgeCaches.run(run.fleet, run.version(), run.config().release().purge());
            if (!problems.isEmpty()) {
              throw new Problems(problems);
            }
          });

  /** Every host staged, acknowledged, switched at once; the window is the run's. */
  private static void switchEveryHost(Run run) {
    Fleet fleet = run.fleet;
    run.window(
        fleet.switchTo(
            fleet.members(),
            "switch",
            m -> run.version(),
            true,
            run.options.switchAck(),
            run.alsoSwitch()));
    List<String> problems =
        fleet.members().stream().filter(m -> m.failure != null).map(m -> m.failure).toList();
    if (!problems.isEmpty()) {
      throw new Problems(problems);
    }
  }

  private static void health(Run run, Member m) {
    if (run.config().release().health().isEmpty()) {
      return;
    }
    TarmacConfig.Health health = run.config().release().health().get();
    run.fleet.run(
        m,
        HookCommands.health(
            m.layout,
            health.url().replace("{host}", m.name()),
            (int) Math.max(1, health.timeout().toSeconds()),
            health.contains().map(c -> c.replace("{version}", run.version()))),
        health.timeout().plusSeconds(10));
  }

  /**
   * The {@code activate} hooks of {@code config} for {@code m}'s roles, if any, in {@code version}.
   */
  private static void activateHooks(Run run, Member m, String version, TarmacConfig config) {
    List<String> hooks = Hooks.on(config.release().hooks().activate(), m.host);
    if (version == null || hooks.isEmpty()) {
      return;
    }
    run.fleet.change(
        m,
        HookCommands.hooks(
                m.layout.release(version),
                new HookEnv(run.app, version, run.envName, m.name(), m.previous)
                    .variables(m.layout),
                hooks)
            .named("activate hooks")
            .prefixed(RenderConfig.load(config, m.layout, version)));
  }

  /**
   * Runs the {@code activate} hooks of {@code config} on every host that serves {@code
   * version.apply(host)} (those of its roles), every host at once; returns what failed. A switch
   * back runs those of the version it returns to.
   */
  static List<String> activateHooks(
      Run run, Function<Member, String> version, TarmacConfig config) {
    List<Member> all = run.fleet.members();
    return messages(
        run.fleet.eachHost(all, all.size(), m -> activateHooks(run, m, version.apply(m), config)));
  }

  static List<String> messages(List<Member> failed) {
    // each host's whole failure is in its task; the release's error keeps the end of each
    return failed.stream().map(m -> Fleet.bounded(m.failure, Fleet.ERROR_TEXT)).toList();
  }
}
