package dev.tarmac.deploy.bench;

import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.HostCommands;
import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.remote.ReleaseLayout;
import dev.tarmac.deploy.remote.Shell;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.testing.MarkdownSection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * What a status read costs the hosts (docs/architecture.md, "What a command costs on a host"): 16
 * host shells on this machine ({@code local} hosts: the very loop an SSH host runs, without SSH),
 * each with five releases and {@code current}; every round sends the status command to all 16 at
 * once and waits for the last answer, as the dashboard's environment page does. Two ways, rounds
 * alternating: as the status read was before (a {@code run} frame and the command with {@code
 * readlink}: four processes per host, two of them programs) and as it is (a {@code read} frame and
 * the command that runs no program: one fork). Both must read the same thing. Run: {@code
 * deploy/bench/host-read-benchmark}; writes the {@code host-read-benchmark} section of
 * docs/benchmarks.md when given its path.
 */
public final class HostReadBenchmark {
  static final int HOSTS = 16;
  static final int ROUNDS = Integer.getInteger("bench.rounds", 101);
  static final Duration T = Duration.ofSeconds(30);

  /** The status command as it was before (commit bc493ef), for the comparison. */
  static String statusBefore(ReleaseLayout layout) {
    return "cd "
        + Shell.quote(layout.deployTo())
        + " 2>/dev/null || { echo current=; exit 0; }\n"
        + "printf 'current=%s\\n' \"$(readlink current 2>/dev/null)\"\n"
        + "rev=; read -r rev 2>/dev/null < current/REVISION\n"
        + "printf 'revision=%s\\n' \"$rev\"\n"
        + "for d in releases/*; do [ -d \"$d\" ] && printf 'release=%s\\n' \"${d#releases/}\";"
        + " done\n"
        + "for b in .tarmac/bad/*; do [ -e \"$b\" ] && printf 'bad=%s\\n' \"${b#.tarmac/bad/}\";"
        + " done\n"
        + "exit 0";
  }

  public static void main(String[] args) throws Exception {
    Path work = DeployFixture.workDir("host-read-bench-");
    List<LocalTransport> hosts = new ArrayList<>();
    List<ReleaseLayout> layouts = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(HOSTS);
    try {
      for (int i = 1; i <= HOSTS; i++) {
        Path to = work.resolve("web" + i);
        for (int v = 1; v <= 5; v++) {
          Files.createDirectories(to.resolve("releases/v" + v));
        }
        Files.writeString(to.resolve("releases/v5/REVISION"), "abc123\n");
        Files.createSymbolicLink(to.resolve("current"), Path.of("releases/v5"));
        hosts.add(new LocalTransport("web" + i));
        layouts.add(new ReleaseLayout(to.toString()));
      }
      IntFunction<CommandResult> before = i -> hosts.get(i).run(statusBefore(layouts.get(i)), T);
      IntFunction<CommandResult> now =
          i -> hosts.get(i).read(HostCommands.status(layouts.get(i)).text(), T);
      String expected = "current=releases/v5\nrevision=abc123\n";
      for (int i = 0; i < HOSTS; i++) { // shells started, and both ways read the same
        for (CommandResult r : List.of(before.apply(i), now.apply(i))) {
          if (!r.stdout().startsWith(expected) || !r.stdout().endsWith("release=v5\n")) {
            throw new AssertionError("web" + (i + 1) + " answered: " + r.stdout());
          }
        }
      }
      List<Double> msBefore = new ArrayList<>();
      List<Double> msNow = new ArrayList<>();
      List<Double> oneBefore = new ArrayList<>();
      List<Double> oneNow = new ArrayList<>();
      String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
      for (int round = 0; round < ROUNDS; round++) {
        boolean nowFirst = round % 2 == 0;
        for (boolean isNow : new boolean[] {nowFirst, !nowFirst}) {
          IntFunction<CommandResult> way = isNow ? now : before;
          (isNow ? msNow : msBefore).add(allAtOnce(pool, way));
          long t0 = System.nanoTime();
          way.apply(round % HOSTS);
          (isNow ? oneNow : oneBefore).add((System.nanoTime() - t0) / 1e6);
        }
      }
      String table =
          String.format(
              Locale.ROOT,
              "%d `local` host shells, %d rounds alternating which way goes first; 2 cores"
                  + " (%d here), load average %s at the start; a process start here: %.2f ms.%n%n"
                  + "| status read | 16 hosts at once, median | min | max | one host alone,"
                  + " median |%n|---|---|---|---|---|%n"
                  + "| before: `run` frame, `readlink` (4 processes, 2 of them programs, per host) | %.1f ms |"
                  + " %.1f ms | %.1f ms | %.2f ms |%n"
                  + "| now: `read` frame, no program (1 fork per host) | %.1f ms | %.1f ms |"
                  + " %.1f ms | %.2f ms |%n",
              HOSTS,
              ROUNDS,
              Runtime.getRuntime().availableProcessors(),
              load,
              processStartMs(),
              median(msBefore),
              Collections.min(msBefore),
              Collections.max(msBefore),
              median(oneBefore),
              median(msNow),
              Collections.min(msNow),
              Collections.max(msNow),
              median(oneNow));
      System.out.println(table);
      if (args.length > 0) {
        MarkdownSection.write(Path.of(args[0]), "host-read-benchmark", table);
      }
    } finally {
      pool.shutdownNow();
      hosts.forEach(LocalTransport::close);
      TestBuilds.deleteTree(work);
    }
  }

  private static double allAtOnce(ExecutorService pool, IntFunction<CommandResult> way)
      throws Exception {
    long t0 = System.nanoTime();
    List<Future<CommandResult>> answers = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      int h = i;
      answers.add(pool.submit(() -> way.apply(h)));
    }
    for (Future<CommandResult> f : answers) {
      if (!f.get().ok()) {
        throw new AssertionError("a status read failed: " + f.get().output());
      }
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  /** What starting {@code /bin/true} costs here, from 200 starts. */
  private static double processStartMs() throws Exception {
    long t0 = System.nanoTime();
    new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done")
        .start()
        .waitFor();
    return (System.nanoTime() - t0) / 1e6 / 200;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
