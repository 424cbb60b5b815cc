package dev.tarmac.deploy.remote;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the service reaches hosts over SSH ({@code tarmac.ssh.private-key}, {@code
 * tarmac.ssh.known-hosts}).
 *
 * @param privateKey an OpenSSH private key file (ed25519, ECDSA or RSA), without passphrase
 * @param knownHosts an OpenSSH {@code known_hosts} file; host keys are checked against it
 * @param logins how many logins start at once ({@code tarmac.ssh.max-logins})
 */
public record SshSettings(
    Path privateKey, Path knownHosts, Duration connectTimeout, Duration keepAlive, Logins logins) {

  public SshSettings(Path privateKey, Path knownHosts) {
    this(privateKey, knownHosts, Logins.of(Logins.DEFAULT_MAX));
  }

  /** {@code logins}: shared by every connection made with these settings ({@link Logins}). */
  public SshSettings(Path privateKey, Path knownHosts, Logins logins) {
    this(privateKey, knownHosts, Duration.ofSeconds(10), Duration.ofSeconds(15), logins);
  }
}
