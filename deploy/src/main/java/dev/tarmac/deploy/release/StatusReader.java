package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.release.EnvStatus.HostStatus;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.ReleaseCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Reads every host of an environment ({@code readlink current}, releases on disk) in parallel. */
final class StatusReader {
  private final Deployer deployer;
  private final String app;
  private final String env;

  StatusReader(Deployer deployer, String app, String env) {
    this.deployer = deployer;
    this.app = app;
    this.env = env;
  }

  EnvStatus read() {
    String recorded = deployer.live(app, env).version();
    TarmacConfig config = Deployer.config(deployer.build(app, recorded));
    Environment environment = config.environment(env);
    Map<String, HostStatus> found = new ConcurrentHashMap<>();
    try (Fleet fleet =
        new Fleet(environment, deployer.transports(), Duration.ofSeconds(30), e -> {})) {
      fleet.eachHost(
          fleet.members(),
          environment.parallel(),
          m -> found.put(m.name(), read(fleet, m, recorded)));
      List<HostStatus> hosts = new ArrayList<>();
      for (Member m : fleet.members()) {
        hosts.add(
            found.getOrDefault(
                m.name(),
                new HostStatus(m.name(), null, null, List.of(), List.of(), true, m.failure)));
      }
      return new EnvStatus(app, env, recorded, hosts);
    }
  }

  private static HostStatus read(Fleet fleet, Member m, String recorded) {
    fleet.connect(m);
    CommandResult r = fleet.run(m, "status", ReleaseCommands.status(m.layout));
    OnDisk disk = OnDisk.parse(r.stdout());
    boolean drift = !recorded.equals(disk.live());
    return new HostStatus(
        m.name(), disk.live(), disk.revision(), disk.releases(), disk.bad(), drift, null);
  }

  /** The output of {@link ReleaseCommands#status}, parsed. */
  record OnDisk(String live, String revision, List<String> releases, List<String> bad) {
    static OnDisk parse(String out) {
      String live = null;
      String revision = null;
      List<String> releases = new ArrayList<>();
      List<String> bad = new ArrayList<>();
      for (String line : out.split("\n")) {
        int eq = line.indexOf('=');
        if (eq < 0) {
          continue;
        }
        String k = line.substring(0, eq);
        String v = line.substring(eq + 1).strip();
        switch (k) {
          case "current" -> live = ReleasePlan.versionOf(v);
          case "revision" -> revision = v.isEmpty() ? null : v;
          case "release" -> releases.add(v);
          case "bad" -> bad.add(v);
          default -> {}
        }
      }
      return new OnDisk(live, revision, releases, bad);
    }
  }
}
