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
    return prepare(command, timeout).run();
  }

  @Override
  public Prepared prepare(String command, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", command);
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return () -> start(builder, command, timeout);
  }

  private CommandResult start(ProcessBuilder builder, String command, Duration timeout) {
    Instant started = Instant.now();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new TransportException(host + ": cannot start sh: " + e.getMessage(), e);
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
