package dev.tarmac.builder.build;

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
    boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    reader.join(2000);
    synchronized (tail) {
      return new Outcome(finished ? process.exitValue() : -1, !finished, List.copyOf(tail));
    }
  }
}
