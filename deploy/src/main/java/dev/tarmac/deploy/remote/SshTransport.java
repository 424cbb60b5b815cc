package dev.tarmac.deploy.remote;

import dev.tarmac.deploy.config.TarmacConfig.Host;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.security.PublicKey;
import java.time.Duration;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import net.schmizz.sshj.userauth.UserAuthException;

/**
 * One SSH connection to one host (sshj), opened once and kept for the whole release, with
 * keep-alive, and one session on it running the {@link HostShell} loop: the user's login shell (and
 * its {@code .bashrc}) starts once per release, not once per command. Host keys are checked against
 * a {@code known_hosts} file: an unknown key is refused unless the environment sets {@code
 * accept_new_host_keys} (then it is added to the file, as OpenSSH's {@code
 * StrictHostKeyChecking=accept-new}); a changed key is always refused.
 */
public final class SshTransport implements Transport {
  private final Host host;
  private final SSHClient ssh;
  private final Duration loginTimeout;
  private final KnownHosts verifier;
  private final HostShells shells = new HostShells(this::open);
  private volatile Object trustedAt; // known_hosts as it was when the host key was last checked
  private final Logins.Slot login; // held from the connection's start until the shell started

  private SshTransport(
      Host host,
      SSHClient ssh,
      Duration loginTimeout,
      KnownHosts verifier,
      Object trustedAt,
      Logins.Slot login) {
    this.host = host;
    this.login = login;
    this.ssh = ssh;
    this.loginTimeout = loginTimeout;
    this.verifier = verifier;
    this.trustedAt = trustedAt;
  }

  /** Connects and authenticates, or throws a {@link TransportException} that says what to do. */
  public static SshTransport connect(Host host, SshSettings settings, boolean acceptNewHostKeys) {
    String user = host.user() != null ? host.user() : System.getProperty("user.name");
    String where = host.name() + " (" + user + "@" + host.address() + ":" + host.port() + ")";
    if (settings.privateKey() == null || !Files.isReadable(settings.privateKey())) {
      throw new TransportException(
          where
              + ": no SSH private key to log in with; set tarmac.ssh.private-key to a readable key"
              + " file (now: "
              + settings.privateKey()
              + ")");
    }
    KnownHosts verifier;
    Object trustedAt;
    try {
      File file = settings.knownHosts().toFile();
      synchronized (KnownHosts.class) { // hosts connect in parallel; one creates the file
        if (!file.exists()) {
          Files.createDirectories(settings.knownHosts().toAbsolutePath().getParent());
          Files.createFile(settings.knownHosts());
        }
      }
      trustedAt = stamp(settings.knownHosts()); // before the check: a later change is seen
      verifier = new KnownHosts(file, acceptNewHostKeys);
    } catch (IOException e) {
      throw new TransportException(
          where + ": cannot read known hosts " + settings.knownHosts() + ": " + e.getMessage(), e);
    }
    // the connect and shell limits below count from here, when this login has its slot, not from
    // when it began to wait for one (docs/architecture.md, "Logins")
    Logins.Slot login = settings.logins().enter(where);
    SSHClient ssh;
    try {
      ssh = new SSHClient(new DefaultConfig());
    } catch (RuntimeException e) {
      login.close();
      throw e;
    }
    ssh.addHostKeyVerifier(verifier);
    ssh.setConnectTimeout((int) settings.connectTimeout().toMillis());
    ssh.setTimeout((int) settings.connectTimeout().toMillis());
    try {
      ssh.connect(host.address(), host.port());
      // small packets both ways (exec, exit status): without this, Nagle and delayed ACKs add
      // ~40 ms to every command
      ssh.getSocket().setTcpNoDelay(true);
      ssh.getConnection()
          .getKeepAlive()
          .setKeepAliveInterval((int) settings.keepAlive().toSeconds());
      ssh.authPublickey(user, ssh.loadKeys(settings.privateKey().toString()));
      // commands have their own timeouts; the socket timeout must not cut a long one short
      ssh.setTimeout(0);
      return new SshTransport(
          host, ssh, settings.connectTimeout().plusSeconds(30), verifier, trustedAt, login);
    } catch (UserAuthException e) {
      login.close();
      close(ssh);
      throw new TransportException(
          where
              + ": the key "
              + settings.privateKey()
              + " was refused; add its public half to ~"
              + user
              + "/.ssh/authorized_keys on the host",
          e);
    } catch (IOException | RuntimeException e) {
      login.close();
      close(ssh);
      if (!(e instanceof IOException)) {
        throw (RuntimeException) e;
      }
      if (verifier.refusal != null) {
        throw new TransportException(where + ": " + verifier.refusal, e);
      }
      throw new TransportException(where + ": cannot connect: " + e.getMessage(), e);
    }
  }

  @Override
  public String host() {
    return host.name();
  }

  @Override
  public CommandResult run(String command, Duration timeout) {
    return shells.main().run(command, timeout);
  }

  @Override
  public CommandResult read(String command, Duration timeout) {
    return shells.main().read(command, timeout);
  }

  @Override
  public CommandResult probe(String command, Duration timeout) {
    return shells.probe().run(command, timeout);
  }

  @Override
  public Prepared prepare(String command, Duration timeout) {
    return shells.main().gate(command, timeout);
  }

  @Override
  public int sessionsOpened() {
    return shells.opened();
  }

  /**
   * The connection is up, the shell (if started) has not ended, and the host's key is still trusted
   * by {@code known_hosts}: when the file changed since the key was checked (a line removed with
   * {@code ssh-keygen -R}, or any addition), the key the host showed at connect is checked against
   * it again, with no new key accepted — the check a new connection would make, short of {@code
   * accept_new_host_keys} (a new connection, made when this says no, applies that).
   */
  @Override
  public boolean usable() {
    if (!ssh.isConnected() || !ssh.isAuthenticated() || !shells.usable()) {
      return false;
    }
    Object now = stamp(verifier.getFile().toPath());
    if (now != null && now.equals(trustedAt)) {
      return true;
    }
    if (now == null || !verifier.stillKnown()) {
      return false;
    }
    trustedAt = now;
    return true;
  }

  /** What tells a changed file: its inode, size and modification time (null: unreadable). */
  private static Object stamp(java.nio.file.Path file) {
    try {
      java.nio.file.attribute.BasicFileAttributes a =
          Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
      return java.util.Arrays.asList(a.fileKey(), a.size(), a.lastModifiedTime());
    } catch (IOException e) {
      return null;
    }
  }

  /** One session running the {@link HostShell} loop, through the user's login shell. */
  private HostShell open() {
    try {
      return start();
    } finally {
      login.close(); // the first shell said hello, or failed to: this login is over either way
    }
  }

  private HostShell start() {
    Session session;
    Session.Command cmd;
    try {
      session = ssh.startSession();
    } catch (IOException | IllegalStateException e) {
      throw new ConnectionLostException(host.name() + ": connection lost: " + e.getMessage(), e);
    }
    try {
      cmd = session.exec(HostShell.start());
    } catch (IOException e) {
      close(session);
      throw new TransportException(host.name() + ": cannot start a shell: " + e.getMessage(), e);
    }
    return new HostShell(
        host.name(),
        cmd.getInputStream(),
        cmd.getErrorStream(),
        cmd.getOutputStream(),
        () -> close(session),
        loginTimeout);
  }

  private static void close(Session session) {
    try {
      session.close();
    } catch (IOException | RuntimeException e) {
      // already gone
    }
  }

  @Override
  public void close() {
    login.close();
    shells.close();
    close(ssh);
  }

  private static void close(SSHClient ssh) {
    try {
      ssh.disconnect();
    } catch (IOException | RuntimeException e) {
      // closing a dead connection: nothing to do
    }
  }

  @Override
  public String toString() {
    long waited = login.waited().toMillis();
    return host.name()
        + " (ssh "
        + host.address()
        + ":"
        + host.port()
        + ")"
        + (waited < 50 ? "" : ", after " + waited + " ms waiting for a login slot");
  }

  /** known_hosts checking with OpenSSH's {@code accept-new} as an option. */
  private static final class KnownHosts extends OpenSSHKnownHosts {
    private final boolean acceptNew;
    private volatile String refusal;
    private volatile Seen seen; // the key the host showed, once trusted

    private record Seen(String hostname, int port, PublicKey key) {}

    KnownHosts(File file, boolean acceptNew) throws IOException {
      super(file);
      this.acceptNew = acceptNew;
    }

    @Override
    public boolean verify(String hostname, int port, PublicKey key) {
      boolean ok = super.verify(hostname, port, key);
      if (ok) {
        seen = new Seen(hostname, port, key);
      }
      return ok;
    }

    /** Whether the file, read again now, still trusts the key the host showed (adds nothing). */
    boolean stillKnown() {
      Seen s = seen;
      if (s == null) {
        return false;
      }
      try {
        return new OpenSSHKnownHosts(khFile) {
          @Override
          protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
            return false;
          }

          @Override
          protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
            return false;
          }
        }.verify(s.hostname(), s.port(), s.key());
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }

    @Override
    protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
      if (!acceptNew) {
        refusal =
            "host key unknown ("
                + KeyType.fromKey(key)
                + "): not in "
                + khFile
                + "; add it (ssh-keyscan) or set accept_new_host_keys: true for this environment";
        return false;
      }
      try {
        HostEntry entry = new HostEntry(null, hostname, KeyType.fromKey(key), key);
        synchronized (KnownHosts.class) {
          entries().add(entry);
          write(entry);
        }
        return true;
      } catch (IOException e) {
        refusal = "cannot record the new host key in " + khFile + ": " + e.getMessage();
        return false;
      }
    }

    @Override
    protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
      refusal =
          "HOST KEY CHANGED for "
              + hostname
              + " (now "
              + KeyType.fromKey(key)
              + "): it does not match "
              + khFile
              + "; if the host was reinstalled, remove its old line there";
      return false;
    }
  }
}
