package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Host;
import dev.tarmac.deploy.remote.HostSessions;
import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.remote.SshSettings;
import dev.tarmac.deploy.remote.SshTransport;
import dev.tarmac.deploy.remote.Transport;

/** Opens the transport to a host: {@code local} → {@code sh -c} here, anything else → SSH. */
@FunctionalInterface
public interface Transports {
  Transport open(Host host, Environment env);

  static Transports standard(SshSettings ssh) {
    return (host, env) ->
        host.isLocal()
            ? new LocalTransport(host.name())
            : SshTransport.connect(host, ssh, env.acceptNewHostKeys());
  }

  /**
   * For reads (status, plan): an SSH host's session is borrowed from {@code sessions}, kept open
   * between reads, and given back when the read closes it (docs/architecture.md, "Sessions kept for
   * reads"); a {@code local} host gets a new shell, which costs a fork. Never for a release.
   */
  static Transports kept(HostSessions sessions) {
    return (host, env) ->
        host.isLocal()
            ? new LocalTransport(host.name())
            : sessions.borrow(host, env.acceptNewHostKeys());
  }
}
