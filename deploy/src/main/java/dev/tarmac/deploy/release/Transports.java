package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Host;
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
}
