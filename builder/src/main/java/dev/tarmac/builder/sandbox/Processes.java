package dev.tarmac.builder.sandbox;

import dev.tarmac.builder.workspace.BuildLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a process, copying its output to the build log and keeping the last lines for errors. */
public final class Processes {
  private static final int TAIL = 20;

  /** Exit code (or -1 when it timed out) and the last lines of output. */
  public record Outcome(int exitCode, boolean timedOut, List<String> tail) {
    public String tailText() {
      return tail.isEmpty() ? "(no output)" : String.join("\n", tail);
    }
  }

  private Processes() {}

  public static Outcome run(ProcessBuilder builder, Duration timeout, BuildLog log, String prefix)
      throws IOException, InterruptedException {
    return run(builder, timeout, log, prefix, false);
  }

  /**
   * Runs {@code builder}; every process it started is ended when it exits or times out: its
   * descendants, and with {@code ownGroup} (the command was started by {@code setsid}, so its pid
   * is its process group) the whole group, including children that were reparented away.
   */
  public static Outcome run(
      ProcessBuilder builder, Duration timeout, BuildLog log, String prefix, boolean ownGroup)
      throws IOException, InterruptedException {
    builder.redirectErrorStream(true);
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    Deque<String> tail = new ArrayDeque<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  log.line(prefix + line);
                  synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > TAIL) {
                      tail.removeFirst();
                    }
                  }
                }
              } catch (IOException ignored) {
                // the process went away; what was read is in the log
              }
            },
            "build-output");
    reader.setDaemon(true);
    reader.start();
    boolean finished;
    try {
      finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      // the build was cancelled: nothing it started may go on
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      if (ownGroup) {
        killGroup(process.pid());
      }
      process.destroyForcibly();
      throw e;
    }
    List<ProcessHandle> descendants = process.descendants().toList();
    if (ownGroup) {
      killGroup(process.pid());
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
    if (!finished) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
      if (ownGroup) {
        killGroup(process.pid());
      }
    }
    reader.join(2000);
    synchronized (tail) {
      return new Outcome(finished ? process.exitValue() : -1, !finished, List.copyOf(tail));
    }
  }

  /**
   * SIGKILL to process group {@code pgid} (never this JVM's own group: a child's pid is not it).
   */
  private static void killGroup(long pgid) {
    if (ProcessHandle.current().pid() == pgid) {
      return;
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-KILL", "--", "-" + pgid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // no kill(1): the descendants were ended one by one
    }
  }
}
