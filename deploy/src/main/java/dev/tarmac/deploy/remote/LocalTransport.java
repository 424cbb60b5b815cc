package dev.tarmac.deploy.remote;

import java.io.IOException;
import java.time.Duration;

/**
 * Runs a host's commands on this machine, through the same {@link HostShell} loop as an SSH host
 * ({@code sh -c}): for hosts whose address is {@code local} (the embedded demo, a single-machine
 * install).
 */
public final class LocalTransport implements Transport {
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final String host;
  private final java.util.Optional<String> user;
  private final boolean ownPidNamespace;
  private final HostShells shells = new HostShells(this::open);

  /** As this process's own user. */
  public LocalTransport(String host) {
    this(host, java.util.Optional.empty());
  }

  /**
   * As {@code user} when given ({@code setpriv}, with its groups; the service must be root). Either
   * way with a clean environment: PATH, LANG, HOME, USER and nothing of this process's own (no
   * {@code TARMAC_API_TOKEN}, no service variables).
   */
  public LocalTransport(String host, java.util.Optional<String> user) {
    this(host, user, false);
  }

  /**
   * The same; with {@code asRoot} (the service is root) the shell is the first process of a PID
   * namespace of its own ({@code unshare --pid --fork --kill-child}): when it ends, the kernel ends
   * every process left in it, so a hook's {@code setsid} daemon or double fork does not outlive the
   * release (a process group does not hold them). /proc stays the machine's: the pids the fenced
   * commands write for {@code HostCommands.endCommandsOf} are the machine's.
   */
  public LocalTransport(String host, java.util.Optional<String> user, boolean asRoot) {
    this.host = host;
    this.user = user;
    this.ownPidNamespace = asRoot;
  }

  /** The command line of the host's shell. */
  java.util.List<String> argv() {
    java.util.List<String> argv = new java.util.ArrayList<>();
    if (ownPidNamespace) {
      argv.addAll(java.util.List.of("unshare", "--pid", "--fork", "--kill-child", "--"));
    }
    if (switchesUser()) {
      argv.addAll(
          java.util.List.of(
              "setpriv",
              "--reuid=" + user.get(),
              "--regid=" + primaryGroup(user.get()),
              "--init-groups",
              "--"));
    }
    argv.addAll(java.util.List.of("sh", "-c", HostShell.script()));
    return argv;
  }

  /** Whether the shell runs as another user than this process's ({@code setpriv}). */
  private boolean switchesUser() {
    return user.isPresent() && !user.get().equals(System.getProperty("user.name"));
  }

  /** The user's primary gid ({@code id -g}), or an error naming the user. */
  private String primaryGroup(String name) {
    try {
      Process p = new ProcessBuilder("id", "-g", "--", name).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() != 0 || !out.chars().allMatch(Character::isDigit) || out.isEmpty()) {
        throw new TransportException(
            host + ": tarmac.release.local-user " + name + " is not a user here: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new TransportException(host + ": cannot look up user " + name + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(host + ": interrupted looking up user " + name, e);
    }
  }

  /** The environment of the host's shell: nothing of the service's. */
  java.util.Map<String, String> environment() {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    String path = System.getenv("PATH");
    env.put("PATH", path == null || path.isBlank() ? PATH : path);
    String lang = System.getenv("LANG");
    env.put("LANG", lang == null || lang.isBlank() ? "C.UTF-8" : lang);
    String name = user.orElse(System.getProperty("user.name", "root"));
    env.put("USER", name);
    env.put("LOGNAME", name);
    env.put("HOME", switchesUser() ? "/" : System.getProperty("user.home", "/"));
    return env;
  }

  @Override
  public String host() {
    return host;
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

  private HostShell open() {
    Process p;
    try {
      ProcessBuilder b = new ProcessBuilder(argv());
      b.environment().clear();
      b.environment().putAll(environment());
      p = b.start();
    } catch (IOException e) {
      throw new TransportException(host + ": cannot start sh: " + e.getMessage(), e);
    }
    return new HostShell(
        host,
        p.getInputStream(),
        p.getErrorStream(),
        p.getOutputStream(),
        () -> {
          try {
            p.getOutputStream().close();
          } catch (IOException e) {
            // already closed
          }
          p.destroy();
        },
        Duration.ofSeconds(30));
  }

  @Override
  public int sessionsOpened() {
    return shells.opened();
  }

  @Override
  public boolean usable() {
    return shells.usable();
  }

  /** The first line of a command (after its fencing check), for messages. */
  static String summary(String command) {
    String first =
        command
            .strip()
            .lines()
            .filter(l -> !l.endsWith("exit " + HostCommands.FENCED + "; }"))
            .findFirst()
            .orElse("");
    return first.length() > 120 ? first.substring(0, 120) + "…" : first;
  }

  @Override
  public void close() {
    shells.close();
  }

  @Override
  public String toString() {
    return host + " (local)";
  }
}
