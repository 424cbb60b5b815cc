package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.release.EnvStatus.HostStatus;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.remote.HostCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Reads every host of an environment ({@code readlink current}, releases on disk) in parallel. */
final class StatusReader {
  private final Transports transports;
  private final String app;
  private final Environment environment;
  private final String recorded;

  /**
   * Reads the hosts of {@code environment}, comparing with {@code recorded} (the LIVE record's).
   */
  StatusReader(Transports transports, String app, Environment environment, String recorded) {
    this.transports = transports;
    this.app = app;
    this.environment = environment;
    this.recorded = recorded;
  }

  EnvStatus read() {
    String env = environment.name();
    Map<String, HostStatus> found = new ConcurrentHashMap<>();
    try (Fleet fleet = new Fleet(environment, transports, Duration.ofSeconds(30), e -> {})) {
      // a read changes nothing and costs a host one command: every host at once (up to 64), not
      // `parallel` at a time as a release's downloads go (the dashboard's environment page waits
      // for the slowest host)
      fleet.eachHost(
          fleet.members(),
          Math.max(environment.parallel(), Math.min(fleet.members().size(), 64)),
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
    HostCommands.OnDisk disk = fleet.read(m, HostCommands.status(m.layout));
    boolean drift = !recorded.equals(disk.live());
    // names the host chose (its directories, its link, its REVISION) enter the answer — the API,
    // the dashboard, `tarmac status` — as printable text (docs/architecture.md, "What a host
    // prints"); a failed read's error is printable already (Fleet.task)
    return new HostStatus(
        m.name(),
        Fleet.printableOrNull(disk.live()),
        Fleet.printableOrNull(disk.revision()),
        Fleet.printable(disk.releases()),
        Fleet.printable(disk.bad()),
        drift,
        null);
  }
}
