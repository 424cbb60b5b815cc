package dev.tarmac.deploy.remote;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host's commands on this machine through {@code sh -c}: for hosts whose address is {@code
 * local} (the embedded demo, a single-machine install).
 */
public final class LocalTransport implements Transport {
  private final String host;

  public LocalTransport(String host) {
    this.host = host;
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public CommandResult run(String command, Duration timeout) {
    Process process = start(command);
    return finish(process, command, timeout, Instant.now());
  }

  @Override
  public Prepared prepare(String command, Duration timeout) {
    Process process = start(ReleaseCommands.onSignal(command));
    return new Prepared() {
      @Override
      public Instant signal() {
        Instant started = Instant.now();
        try (java.io.OutputStream in = process.getOutputStream()) {
          in.write("go\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException e) {
          // the process died; await() reports its exit
        }
        return started;
      }

      @Override
      public CommandResult await(Instant signalled) {
        return finish(process, command, timeout, signalled);
      }

      @Override
      public void cancel() {
        try {
          process.getOutputStream().close();
        } catch (IOException e) {
          process.destroyForcibly();
        }
      }
    };
  }

  private Process start(String command) {
    try {
      return new ProcessBuilder("sh", "-c", command).start();
    } catch (IOException e) {
      throw new TransportException(host + ": cannot start sh: " + e.getMessage(), e);
    }
  }

  private CommandResult finish(Process process, String command, Duration timeout, Instant started) {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // nothing more to send either way
    }
    CompletableFuture<String> out = Drain.start(process.getInputStream());
    CompletableFuture<String> err = Drain.start(process.getErrorStream());
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new TransportException(
            host + ": command timed out after " + timeout.toSeconds() + " s: " + summary(command));
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new TransportException(host + ": interrupted", e);
    }
    return new CommandResult(
        process.exitValue(), Drain.await(out), Drain.await(err), started, Instant.now());
  }

  static String summary(String command) {
    String first = command.strip().lines().findFirst().orElse("");
    return first.length() > 120 ? first.substring(0, 120) + "…" : first;
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return host + " (local)";
  }
}
