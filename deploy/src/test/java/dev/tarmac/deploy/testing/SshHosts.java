package dev.tarmac.deploy.testing;

import dev.tarmac.deploy.remote.SshSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real OpenSSH servers standing in for a fleet: host {@code i} is an {@code sshd} listening on
 * {@code 127.0.0.<first + i>} with its own config, host key and directory. Each runs in its own
 * mount namespace with its directory bound at the same {@link #deployTo()} path, as real servers
 * share one {@code deploy_to}. Needs root (for {@code unshare -m} and logging in as root) and
 * {@code /usr/sbin/sshd} ({@code .ci/setup-test-host} installs it).
 */
public final class SshHosts implements AutoCloseable {
  /**
   * The deploy user on every simulated host: a system account with {@code /bin/sh} as its shell, as
   * a real deploy user has (root's shell on a developer machine may source a heavy {@code .bashrc}
   * for every SSH command, which is not what a server does). Created when missing.
   */
  public static final String USER = "tarmac-test";

  /**
   * How the deploy user logs in. {@code FAST}: {@link #USER}, {@code /bin/sh}. {@code SLOW}: {@link
   * #SLOW_USER}, {@code /bin/bash} with a {@code ~/.bashrc} that sleeps a random 0.2–0.6 s with no
   * early return for non-interactive shells (as one that starts pyenv/nvm/rbenv does; bash reads it
   * for every command sshd runs) — sleeping, not computing, so that many simulated hosts on two
   * cores measure Tarmac, not this machine.
   */
  public enum Login {
    FAST,
    SLOW,
    /** {@link #BUSY_USER}: bash whose {@code .bashrc} computes for ~0.3 s (the fleet benchmark). */
    BUSY
  }

  /** The deploy user of {@link Login#BUSY} hosts. */
  public static final String BUSY_USER = "tarmac-busy";

  /**
   * A version manager's start-up that computes instead of sleeping (about 0.3 s of one core here):
   * sixteen such logins at once take the CPU from the shells that wait for the switch.
   */
  static final String BUSY_BASHRC =
      "# a version manager starting up, computing: every shell\n"
          + "i=0; while [ $i -lt 120000 ]; do i=$((i+1)); done\n"
          + "echo 'pyenv: shims ready' >&2\n";

  /** The deploy user of {@link Login#SLOW} hosts. */
  public static final String SLOW_USER = "tarmac-slow";

  static final String SLOW_BASHRC =
      "# a version manager starting up (pyenv, nvm, rbenv): 0.2-0.6 s, every shell\n"
          + "sleep 0.$(( RANDOM % 5 + 2 ))\n"
          + "echo 'pyenv: shims ready' >&2\n";

  private final String user;

  private final Path dir;
  private final Path deployTo;
  private final Path clientKey;
  private final Path knownHosts;
  private final List<Host> hosts = new ArrayList<>();

  /** One simulated server. {@code root} is its {@code deploy_to} seen from outside. */
  public record Host(String name, String address, int port, Path root, Path config, Process sshd) {}

  public SshHosts(Path dir, int count, int firstAddress) throws Exception {
    this(dir, count, firstAddress, Login.FAST);
  }

  public SshHosts(Path dir, int count, int firstAddress, Login login) throws Exception {
    this(dir, count, firstAddress, login, 0);
  }

  /**
   * With {@code firstPort} &gt; 0, host {@code i}'s sshd listens on {@code firstPort + i} (a test
   * keeping to its own port range); else on a free port.
   */
  public SshHosts(Path dir, int count, int firstAddress, Login login, int firstPort)
      throws Exception {
    this(dir, count, "127.0.0.", firstAddress, login, firstPort);
  }

  /** Hosts at {@code addressPrefix + (firstAddress + i)}, e.g. {@code 127.0.1.} + 1. */
  public SshHosts(
      Path dir, int count, String addressPrefix, int firstAddress, Login login, int firstPort)
      throws Exception {
    this.user = login == Login.SLOW ? SLOW_USER : login == Login.BUSY ? BUSY_USER : USER;
    this.dir = Files.createDirectories(dir.toAbsolutePath());
    this.deployTo = Files.createDirectories(this.dir.resolve("srv-app"));
    this.clientKey = this.dir.resolve("client_key");
    this.knownHosts = this.dir.resolve("known_hosts");
    if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
      throw new IllegalStateException(
          "/usr/sbin/sshd is missing: run .ci/setup-test-host (installs openssh-server)");
    }
    Files.createDirectories(Path.of("/run/sshd"));
    if (login == Login.SLOW) {
      ensureBashUser(SLOW_USER, SLOW_BASHRC);
    } else if (login == Login.BUSY) {
      ensureBashUser(BUSY_USER, BUSY_BASHRC);
    } else {
      ensureUser();
    }
    // the deploy user must be able to reach its directories
    for (Path p = this.dir; p != null && p.getNameCount() > 1; p = p.getParent()) {
      if (!p.toFile().canExecute()
          || !Files.getPosixFilePermissions(p)
              .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
        var perms = new java.util.HashSet<>(Files.getPosixFilePermissions(p));
        perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
        Files.setPosixFilePermissions(p, perms);
      }
      if (p.equals(this.dir.getParent())) {
        break;
      }
    }
    keygen(clientKey);
    Files.copy(
        this.dir.resolve("client_key.pub"),
        this.dir.resolve("authorized_keys"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    StringBuilder known = new StringBuilder();
    for (int i = 0; i < count; i++) {
      String name = "host" + (i + 1);
      // 1 to 255: <addressPrefix>N; above, 127.0.(N / 256).(N % 256) (1025: 127.0.4.1)
      int n = firstAddress + i;
      String address = n > 255 ? "127.0." + (n / 256) + "." + (n % 256) : addressPrefix + n;
      Path hostDir = Files.createDirectories(this.dir.resolve(name));
      Path root = Files.createDirectories(hostDir.resolve("root"));
      run("chown", user, root.toString());
      Path hostKey = hostDir.resolve("host_key");
      keygen(hostKey);
      int port = firstPort > 0 ? firstPort + i : freePort(address);
      Path config = hostDir.resolve("sshd_config");
      Files.writeString(
          config,
          String.join(
              "\n",
              "ListenAddress " + address,
              "Port " + port,
              "HostKey " + hostKey,
              "PidFile " + hostDir.resolve("sshd.pid"),
              "AuthorizedKeysFile " + this.dir.resolve("authorized_keys"),
              "StrictModes no",
              "UsePAM no",
              "PermitRootLogin prohibit-password",
              "PasswordAuthentication no",
              "KbdInteractiveAuthentication no",
              "MaxSessions 200",
              "MaxStartups 200:30:400",
              // INFO: one "Accepted publickey" line per login, which logins() counts
              "LogLevel INFO",
              ""));
      known
          .append('[')
          .append(address)
          .append("]:")
          .append(port)
          .append(' ')
          .append(Files.readString(hostDir.resolve("host_key.pub")).strip())
          .append('\n');
      hosts.add(new Host(name, address, port, root, config, null));
    }
    Files.writeString(knownHosts, known.toString());
    for (int i = 0; i < hosts.size(); i++) {
      hosts.set(i, start(hosts.get(i)));
    }
  }

  private Host start(Host h) throws Exception {
    Process sshd =
        new ProcessBuilder(
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                "mount --bind \"$1\" \"$2\" && exec /usr/sbin/sshd -D -e -f \"$3\"",
                "sshd-host",
                h.root().toString(),
                deployTo.toString(),
                h.config().toString())
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(h.config().resolveSibling("sshd.log").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(h.address(), h.port()), 200);
        break;
      } catch (IOException e) {
        if (!sshd.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "sshd for "
                  + h.name()
                  + " did not start: "
                  + Files.readString(h.config().resolveSibling("sshd.log")));
        }
        Thread.sleep(20);
      }
    }
    return new Host(h.name(), h.address(), h.port(), h.root(), h.config(), sshd);
  }

  /** Kills a host's sshd and every connection it serves: the server is gone. */
  public void kill(String name) {
    Host h = host(name);
    h.sshd().descendants().forEach(ProcessHandle::destroyForcibly);
    h.sshd().destroyForcibly();
    try {
      h.sshd().waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Kills a host's sshd and every connection it serves, then starts it again on the same address,
   * port and host key: a server restarted (its clients' connections are gone).
   */
  public void restart(String name) throws Exception {
    kill(name);
    Host h = host(name);
    hosts.set(hosts.indexOf(h), start(h));
  }

  /**
   * How many times the deploy user has logged in to a host (SSH connections authenticated), read
   * from its sshd's log: what a kept session saves.
   */
  public int logins(String name) throws IOException {
    Path log = host(name).config().resolveSibling("sshd.log");
    return (int)
        Files.readAllLines(log).stream()
            .filter(l -> l.contains("Accepted publickey for " + user + " "))
            .count();
  }

  /** Every process serving a host's connections (its sshd's descendants: sshd, shells, hooks). */
  public List<ProcessHandle> sessionProcesses(String name) {
    return host(name).sshd().descendants().toList();
  }

  /**
   * Sends {@code signal} ({@code STOP}, {@code CONT}, {@code KILL}) to the processes of a host's
   * connections whose command line contains {@code match} (all of them: empty).
   */
  public void signal(String name, String signal, String match) {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    for (ProcessHandle p : sessionProcesses(name)) {
      if (p.info().commandLine().orElse("").contains(match)) {
        command.add(Long.toString(p.pid()));
      }
    }
    if (command.size() > 2) {
      try {
        new ProcessBuilder(command).start().waitFor();
      } catch (Exception e) {
        throw new IllegalStateException(String.join(" ", command) + " failed", e);
      }
    }
  }

  public Host host(String name) {
    return hosts.stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
  }

  public List<Host> hosts() {
    return List.copyOf(hosts);
  }

  /** The common {@code deploy_to} every host sees its own directory at. */
  public String deployTo() {
    return deployTo.toString();
  }

  public Path knownHosts() {
    return knownHosts;
  }

  public SshSettings settings() {
    return new SshSettings(clientKey, knownHosts);
  }

  /** The {@code hosts:} list of an environment in {@code tarmac.yml}; the first has role db. */
  public String hostsYaml(String indent) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < hosts.size(); i++) {
      Host h = hosts.get(i);
      out.append(indent)
          .append("- { name: ")
          .append(h.name())
          .append(", address: ")
          .append(h.address())
          .append(", port: ")
          .append(h.port())
          .append(", user: ")
          .append(user)
          .append(", roles: [")
          .append(i == 0 ? "web, db" : "web")
          .append("] }\n");
    }
    return out.toString();
  }

  private static void ensureUser() throws Exception {
    if (new ProcessBuilder("id", USER).start().waitFor() != 0) {
      run(
          "useradd",
          "--system",
          "--no-create-home",
          "--home-dir",
          "/nonexistent",
          "--shell",
          "/bin/sh",
          "--password",
          "*",
          USER);
    }
  }

  /**
   * A whole {@code tarmac.yml}: {@code app}, the given top-level sections (e.g. a {@code release:}
   * block, or empty), and an environment {@code prod} on these hosts at {@link #deployTo()}.
   */
  public String tarmacYml(String app, String sections) {
    return "app: "
        + app
        + "\n"
        + sections
        + "environments:\n"
        + "  prod:\n"
        + "    deploy_to: "
        + deployTo()
        + "\n"
        + "    hosts:\n"
        + hostsYaml("      ");
  }

  /**
   * Runs {@code command} on a host as the deploy user with OpenSSH's client (inside the host's
   * mount namespace, as a release would); its output, or an exception with it when it fails.
   */
  public String ssh(String name, String command) throws Exception {
    Host h = host(name);
    Process p =
        new ProcessBuilder(
                "ssh",
                "-i",
                clientKey.toString(),
                "-o",
                "UserKnownHostsFile=" + knownHosts,
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "BatchMode=yes",
                "-p",
                Integer.toString(h.port()),
                user + "@" + h.address(),
                command)
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(name + ": `" + command + "` failed: " + out);
    }
    return out;
  }

  /** The deploy user these hosts log in as. */
  public String user() {
    return user;
  }

  private static void ensureBashUser(String user, String bashrc) throws Exception {
    Path home = Path.of("/var/lib/" + user);
    if (new ProcessBuilder("id", user).start().waitFor() != 0) {
      run(
          "useradd",
          "--system",
          "--create-home",
          "--home-dir",
          home.toString(),
          "--shell",
          "/bin/bash",
          "--password",
          "*",
          user);
    }
    Files.createDirectories(home);
    Files.writeString(home.resolve(".bashrc"), bashrc);
    run("chown", "-R", user, home.toString());
  }

  /** Runs a command on this machine; its output in the exception when it fails. */
  public static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
  }

  private static void keygen(Path key) throws Exception {
    Files.deleteIfExists(key);
    Files.deleteIfExists(key.resolveSibling(key.getFileName() + ".pub"));
    Process p =
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("ssh-keygen failed: " + out);
    }
  }

  private static int freePort(String address) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(address, 0));
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    for (Host h : hosts) {
      if (h.sshd() != null) {
        kill(h.name());
      }
    }
  }
}
