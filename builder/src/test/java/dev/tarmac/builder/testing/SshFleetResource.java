package dev.tarmac.builder.testing;

import dev.tarmac.deploy.testing.SshHosts;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * OpenSSH servers for the service's release tests — two on 127.0.0.11-12 unless the init args
 * {@code hosts} and {@code first-address} say otherwise — and the service's configuration to reach
 * them ({@code tarmac.ssh.*}) on a port chosen before it starts.
 */
public class SshFleetResource implements QuarkusTestResourceLifecycleManager {
  public static SshHosts hosts;
  private int count = 2;
  private int firstAddress = 11;
  private String addressPrefix = "127.0.0.";
  private int firstPort = 0;

  @Override
  public void init(Map<String, String> args) {
    count = Integer.parseInt(args.getOrDefault("hosts", "2"));
    firstAddress = Integer.parseInt(args.getOrDefault("first-address", "11"));
    addressPrefix = args.getOrDefault("address-prefix", "127.0.0.");
    firstPort = Integer.parseInt(args.getOrDefault("first-port", "0"));
  }

  @Override
  public Map<String, String> start() {
    try {
      Path dir =
          Files.createTempDirectory(
              Files.createDirectories(Path.of("target").toAbsolutePath()), "ssh-fleet-");
      // -Dbench.login=SLOW (the dashboard benchmark's hard case): bash logins that sleep 0.2-0.6 s
      SshHosts.Login login = SshHosts.Login.valueOf(System.getProperty("bench.login", "FAST"));
      hosts =
          new SshHosts(dir.resolve("hosts"), count, addressPrefix, firstAddress, login, firstPort);
      int port;
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        port = s.getLocalPort();
      }
      return Map.of(
          "tarmac.ssh.private-key", hosts.settings().privateKey().toString(),
          "tarmac.ssh.known-hosts", hosts.settings().knownHosts().toString(),
          "quarkus.http.test-port", Integer.toString(port),
          "tarmac.public-url", "http://127.0.0.1:" + port);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the SSH hosts: " + e.getMessage(), e);
    }
  }

  @Override
  public void stop() {
    if (hosts != null) {
      hosts.close();
    }
  }
}
