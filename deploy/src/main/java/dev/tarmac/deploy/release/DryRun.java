package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.ReleasePreview.HostPreview;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.HostCommands;
import dev.tarmac.distributor.delta.DeltaRecord;
import dev.tarmac.distributor.delta.DeltaRecords;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.store.ArtifactStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A release's plan, read from the hosts: connects to every host (no lock is taken, nothing is
 * written anywhere), reads what each serves and holds, and says what the release would do there,
 * with the same decisions the {@link Release} makes (delta from the served release, hooks by role,
 * migration on the primary db host, the host-side clean-up run with {@code dryRun}).
 */
final class DryRun {
  private final ArtifactStore store;
  private final Transports transports;
  private final BuildRecord build;
  private final TarmacConfig config;
  private final Environment env;
  private final String live;

  DryRun(
      ArtifactStore store,
      Transports transports,
      BuildRecord build,
      TarmacConfig config,
      Environment env,
      String live) {
    this.store = store;
    this.transports = transports;
    this.build = build;
    this.config = config;
    this.env = env;
    this.live = live;
  }

  ReleasePreview read() {
    String version = build.version();
    Map<String, HostPreview> found = new ConcurrentHashMap<>();
    Hooks hooks = config.release().hooks();
    String migrateHost =
        hooks.migrate().isEmpty() ? null : env.primaryDb().map(h -> h.name()).orElse(null);
    try (Fleet fleet = new Fleet(env, transports, Duration.ofSeconds(60), e -> {})) {
      fleet.eachHost(
          fleet.members(),
          env.parallel(),
          m -> {
            fleet.connect(m);
            HostCommands.OnDisk disk = fleet.read(m, HostCommands.status(m.layout));
            String transfer;
            String from = null;
            Long bytes;
            if (disk.releases().contains(version)) {
              transfer = "present";
              bytes = 0L;
            } else if (disk.live() != null && disk.releases().contains(disk.live())) {
              transfer = "delta";
              from = disk.live();
              bytes = deltaSize(from, version);
            } else {
              transfer = "full";
              bytes = build.size();
            }
            Map<String, List<String>> run = new LinkedHashMap<>();
            put(run, "prepare", Hooks.on(hooks.prepare(), m.host));
            if (isPrimaryDb(m)) {
              put(run, "backup", Hooks.commands(hooks.backup()));
              put(run, "migrate", Hooks.commands(hooks.migrate()));
            }
            put(run, "activate", Hooks.on(hooks.activate(), m.host));
            if (isPrimaryDb(m)) {
              put(run, "contract", Hooks.commands(hooks.contract()));
            }
            CommandResult removes =
                fleet.run(
                    m,
                    HostCommands.cleanup(
                            m.layout, version, disk.live(), config.release().keep(), true)
                        .named("cleanup (dry run)"));
            found.put(
                m.name(),
                new HostPreview(
                    m.name(),
                    m.host.roles(),
                    // what the host named, as printable text (docs/architecture.md, "What a
                    // host prints")
                    Fleet.printableOrNull(disk.live()),
                    transfer,
                    Fleet.printableOrNull(from),
                    bytes,
                    run,
                    Fleet.printable(removes.stdout().lines().toList()),
                    null));
          });
      List<HostPreview> hosts = new ArrayList<>();
      for (Member m : fleet.members()) {
        hosts.add(
            found.getOrDefault(
                m.name(),
                new HostPreview(
                    m.name(),
                    m.host.roles(),
                    null,
                    null,
                    null,
                    null,
                    Map.of(),
                    List.of(),
                    m.failure)));
      }
      return new ReleasePreview(build.app(), env.name(), version, live, migrateHost, hosts);
    }
  }

  /** The delta's size when it is made already; null when it would be made at release. */
  private Long deltaSize(String from, String to) {
    return new DeltaRecords(store).find(build.app(), from, to).map(DeltaRecord::size).orElse(null);
  }

  private boolean isPrimaryDb(Member m) {
    return env.primaryDb().map(h -> h.name().equals(m.name())).orElse(false);
  }

  private static void put(Map<String, List<String>> run, String phase, List<String> commands) {
    if (!commands.isEmpty()) {
      run.put(phase, commands);
    }
  }
}
