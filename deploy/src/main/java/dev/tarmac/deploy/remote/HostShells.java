package dev.tarmac.deploy.remote;

import java.util.function.Supplier;

/**
 * A host's two {@link HostShell}s, each opened on first use: the one every command goes to, and a
 * second one for short read-only probes while the first is busy (a download's progress). Counts
 * what it opened. Shared by {@link SshTransport} and {@link LocalTransport}, which differ only in
 * how a shell is started.
 */
final class HostShells implements AutoCloseable {
  private final Supplier<HostShell> opener;
  private HostShell main;
  private HostShell probe;
  private int opened;

  HostShells(Supplier<HostShell> opener) {
    this.opener = opener;
  }

  synchronized HostShell main() {
    if (main == null) {
      main = open();
    }
    return main;
  }

  synchronized HostShell probe() {
    if (probe == null) {
      probe = open();
    }
    return probe;
  }

  private HostShell open() {
    opened++; // a session started counts, even when its shell then fails to start
    return opener.get();
  }

  /** Whether the main shell, when opened, can still take a command. */
  synchronized boolean usable() {
    return main == null || main.alive();
  }

  synchronized int opened() {
    return opened;
  }

  @Override
  public synchronized void close() {
    if (main != null) {
      main.close();
    }
    if (probe != null) {
      probe.close();
    }
  }
}
