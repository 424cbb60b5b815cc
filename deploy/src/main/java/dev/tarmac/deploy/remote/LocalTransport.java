package dev.tarmac.deploy.remote;

import java.io.IOException;
import java.time.Duration;

/**
 * Runs a host's commands on this machine, through the same {@link HostShell} loop as an SSH host
 * ({@code sh -c}): for hosts whose address is {@code local} (the embedded demo, a single-machine
 * install).
 */
public final class LocalTransport implements Transport {
  private final String host;
  private final HostShells shells = new HostShells(this::open);

  public LocalTransport(String host) {
    this.host = host;
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
      p = new ProcessBuilder("sh", "-c", HostShell.script()).start();
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
