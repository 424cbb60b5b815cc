package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.remote.HostCommands;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every run does once its version is live everywhere ({@link Stage#FINISH}), the same for a
 * release and a rollback: on every host the revision log, the clean-up decided from the host's own
 * log, and — with {@code release.cdn} — the releases it keeps, read; then, once, {@code clean
 * assets} ({@link CleanAssets}; docs/cdn-and-caches.md). Each failure is a warning: the failed task
 * is in the timeline, the release is LIVE all the same.
 */
final class Finish {
  /** Per run: what each host keeps, for the clean-up of {@code cdn/<app>/}. */
  private final Map<String, List<String>> kept = new ConcurrentHashMap<>();

  private final boolean cdn;
  private final boolean rollback;

  /** For a run of {@code config} (the target's); {@code rollback}: the revision log says so. */
  Finish(TarmacConfig config, boolean rollback) {
    this.cdn = config.release().cdn().isPresent();
    this.rollback = rollback;
  }

  /** On every host: the revision log, the clean-up, what it keeps (with {@code release.cdn}). */
  Phase onEveryHost() {
    return Phase.eachHost("log revision and clean up", Stage.FINISH, this::onHost);
  }

  /** With {@code release.cdn}: what no kept release references goes from the store; else none. */
  Phase cleanAssets() {
    return Phase.when(cdn, Phase.once("clean assets", Stage.FINISH, this::removeUnreferenced));
  }

  private void onHost(Run run, Member m) {
    Fleet fleet = run.fleet;
    String line =
        run.options.clock().instant()
            + " "
            + run.version()
            + " "
            + run.target.commit()
            + " #"
            + run.id()
            + (rollback ? " rollback" : "")
            + " by "
            + run.options.who();
    fleet.change(
        m,
        HostCommands.logRevision(m.layout, line)
            .then(HostCommands.clearBad(m.layout, run.version())));
    fleet.change(
        m,
        HostCommands.cleanup(
            m.layout, run.version(), m.previous, run.config().release().keep(), false));
    if (cdn) {
      // names only, checked and sorted by CleanAssets.fromHosts
      kept.put(m.name(), fleet.read(m, HostCommands.keptReleases(m.layout)));
    }
  }

  /**
   * After the hosts' clean-up, what no kept release references any more goes from {@code
   * cdn/<app>/} ({@link CleanAssets}; docs/cdn-and-caches.md); with a host that failed to say what
   * it keeps, nothing of another version is judged unreferenced.
   */
  private void removeUnreferenced(Run run) {
    TarmacConfig.Cdn config = run.config().release().cdn().orElseThrow();
    boolean everyHost =
        kept.keySet().containsAll(run.fleet.members().stream().map(Member::name).toList());
    run.fleet.task(
        run.fleet.service(),
        "clean assets",
        () ->
            new CleanAssets(
                    run.store,
                    run.app,
                    run.envName,
                    run.id(),
                    run.version(),
                    config.grace(),
                    run.options.clock().instant())
                .run(everyHost ? kept : null)
                .describe());
  }
}
