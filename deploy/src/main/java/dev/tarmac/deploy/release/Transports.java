package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Host;
import dev.tarmac.deploy.remote.HostSessions;
import dev.tarmac.deploy.remote.LocalHosts;
import dev.tarmac.deploy.remote.SshSettings;
import dev.tarmac.deploy.remote.SshTransport;
import dev.tarmac.deploy.remote.Transport;

/** Opens the transport to a host: {@code local} → {@code sh -c} here, anything else → SSH. */
@FunctionalInterface
public interface Transports {
  Transport open(Host host, Environment env);

  static Transports standard(SshSettings ssh) {
    return standard(ssh, LocalHosts.ANY);
  }

  /** {@code local} hosts only as {@code local} allows (the service: docs/configuration.md). */
  static Transports standard(SshSettings ssh, LocalHosts local) {
    return (host, env) ->
        host.isLocal()
            ? local.open(host, env.name())
            : SshTransport.connect(host, ssh, env.acceptNewHostKeys());
  }

  /**
   * For reads (status, plan): an SSH host's session is borrowed from {@code sessions}, kept open
   * between reads, and given back when the read closes it (docs/architecture.md, "Sessions kept for
   * reads"); a {@code local} host gets a new shell, which costs a fork. Never for a release.
   */
  static Transports kept(HostSessions sessions) {
    return kept(sessions, LocalHosts.ANY);
  }

  static Transports kept(HostSessions sessions, LocalHosts local) {
    return (host, env) ->
        host.isLocal()
            ? local.open(host, env.name())
            : sessions.borrow(host, env.acceptNewHostKeys());
  }
}
