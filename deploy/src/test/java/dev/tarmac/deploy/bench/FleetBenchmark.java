package dev.tarmac.deploy.bench;

import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.Transports;
import dev.tarmac.deploy.testing.CurrentPoller;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.testing.MarkdownSection;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The fleet benchmark (run it with {@code deploy/bench/fleet-benchmark}; issue 25,
 * docs/benchmarks.md, "A fleet of 128 hosts"): in one run, 128 fast OpenSSH hosts ({@code /bin/sh},
 * 127.0.2.1-128), 16 fast hosts (127.0.3.1-16) and 16 busy-login hosts (bash whose {@code .bashrc}
 * computes for about 0.3 s of a core, 127.0.4.1-16), each in its own mount namespace. Per group:
 * the first release (every host downloads the ~1 MB artifact from the embedded store), then {@link
 * #CHANGES} one-file changes in a row, each timed end to end, with every host's {@code current}
 * polled from outside for the window; the deployer's threads (peak) and this JVM's resident memory
 * (peak) are reported. The deployer runs in this JVM, as the service would run it.
 */
public final class FleetBenchmark {
  static final int CHANGES = 5;

  record Row(
      String group,
      int hosts,
      int logins,
      double firstSeconds,
      List<Double> changeSeconds,
      List<Double> polledMs,
      List<Long> recordedMs,
      List<Double> goSpreadMs,
      List<Double> serviceCpuSeconds,
      List<Double> machineCpuSeconds,
      int peakThreads,
      long rssMb,
      int maxSessions) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md").toAbsolutePath();
    Path root = Path.of("target/bench-fleet").toAbsolutePath();
    if (Files.exists(root)) {
      new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start().waitFor();
    }
    Files.createDirectories(root);
    List<Path> versions = versions(root);
    List<Row> rows = new ArrayList<>();
    String load0 = load();
    for (var group :
        List.of(
            new Group("fast", 128, "127.0.2.", SshHosts.Login.FAST, 8),
            new Group("fast", 16, "127.0.3.", SshHosts.Login.FAST, 8),
            new Group("busy-login", 16, "127.0.4.", SshHosts.Login.BUSY, 8),
            new Group("fast", 128, "127.0.5.", SshHosts.Login.FAST, 32))) {
      Row row = measure(root, group, versions);
      rows.add(row);
      System.out.printf(
          "%-10s N=%3d logins %d first %.1f s, changes %s s, polled window %s ms, recorded %s ms, peak"
              + " threads %d, RSS %d MB, sessions/host %d, load %s%n",
          row.group(),
          row.hosts(),
          row.logins(),
          row.firstSeconds(),
          row.changeSeconds(),
          row.polledMs(),
          row.recordedMs(),
          row.peakThreads(),
          row.rssMb(),
          row.maxSessions(),
          load());
    }
    String md = report(rows, load0, load());
    System.out.print(md);
    if (System.getProperty("bench.print") == null) {
      MarkdownSection.write(out, "fleet-benchmark", md);
      System.out.println("wrote " + out);
    }
  }

  /** {@code logins}: SSH logins started at once ({@code tarmac.ssh.max-logins}; 8 by default). */
  record Group(String kind, int hosts, String prefix, SshHosts.Login login, int logins) {}

  static Row measure(Path root, Group g, List<Path> versions) throws Exception {
    String name = g.kind() + "-" + g.hosts() + "-" + g.logins();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (SshHosts ssh =
            new SshHosts(root.resolve("hosts-" + name), g.hosts(), g.prefix(), 1, g.login(), 0);
        DeployFixture fx =
            new DeployFixture(
                root.resolve("fx-" + name),
                Transports.standard(
                    new dev.tarmac.deploy.remote.SshSettings(
                        ssh.settings().privateKey(),
                        ssh.settings().knownHosts(),
                        dev.tarmac.deploy.remote.Logins.of(g.logins()))))) {
      String app = "fleet" + g.hosts() + g.kind().charAt(0) + g.logins();
      String config =
          ReleaseBenchmark.config(app, ssh, g.hosts()).replace("parallel: 16", "parallel: 32");
      for (int i = 0; i < versions.size(); i++) {
        Files.writeString(versions.get(i).resolve("tarmac.yml"), config);
        TestBuilds.publish(fx.store, app, "v" + (i + 1), versions.get(i), config);
      }
      threads.resetPeakThreadCount();
      long t0 = System.nanoTime();
      ReleaseRecord first =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options());
      double firstSeconds = (System.nanoTime() - t0) / 1e9;
      int sessions = ReleaseBenchmark.maxSessions(first);
      List<Path> links =
          ssh.hosts().stream().map(h -> h.root().resolve(app).resolve("current")).toList();
      List<Double> changes = new ArrayList<>();
      List<Double> polled = new ArrayList<>();
      List<Long> recorded = new ArrayList<>();
      List<Double> spread = new ArrayList<>();
      List<Double> serviceCpu = new ArrayList<>();
      List<Double> machineCpu = new ArrayList<>();
      var os =
          (com.sun.management.OperatingSystemMXBean)
              java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      try (CurrentPoller poller = new CurrentPoller(links)) {
        for (int i = 2; i <= versions.size(); i++) {
          poller.reset();
          long c0 = System.nanoTime();
          long cpu0 = os.getProcessCpuTime();
          long all0 = machineCpuTicks();
          ReleaseRecord next =
              fx.deployer.release(
                  AppName.of(app), EnvName.of("prod"), Version.of("v" + i), fx.options());
          serviceCpu.add(Math.round((os.getProcessCpuTime() - cpu0) / 1e7) / 100.0);
          machineCpu.add(Math.round((machineCpuTicks() - all0) / (double) TICKS * 100) / 100.0);
          changes.add(Math.round((System.nanoTime() - c0) / 1e7) / 100.0);
          polled.add(Math.round(poller.window("releases/v" + i).toNanos() / 1e5) / 10.0);
          recorded.add(next.activationWindowMs());
          spread.add(goSpread(next));
          sessions = Math.max(sessions, ReleaseBenchmark.maxSessions(next));
        }
      }
      return new Row(
          g.kind(),
          g.hosts(),
          g.logins(),
          firstSeconds,
          changes,
          polled,
          recorded,
          spread,
          serviceCpu,
          machineCpu,
          threads.getPeakThreadCount(),
          peakRssMb(),
          sessions);
    }
  }

  /** USER_HZ: the unit of /proc/stat. */
  static final long TICKS = 100;

  /** CPU time used on the machine so far, every core, by everything but idle and iowait. */
  static long machineCpuTicks() throws Exception {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long busy = 0;
    for (int i = 1; i < f.length && i <= 8; i++) {
      if (i != 4 && i != 5) { // idle, iowait
        busy += Long.parseLong(f[i]);
      }
    }
    return busy;
  }

  /**
   * Tarmac's own part of the window: each host's {@code switch} task starts at the moment set for
   * the switch, or when its {@code go} was written if that was later; first → last, in ms (0: every
   * {@code go} was written before the moment).
   */
  static double goSpread(ReleaseRecord record) {
    List<java.time.Instant> sent =
        record.hosts().stream()
            .flatMap(h -> h.tasks().stream())
            .filter(t -> t.name().equals("switch"))
            .map(t -> t.startedAt())
            .sorted()
            .toList();
    if (sent.isEmpty()) {
      return 0;
    }
    return Math.round(
            java.time.Duration.between(sent.get(0), sent.get(sent.size() - 1)).toNanos() / 1e5)
        / 10.0;
  }

  /** v1 (about 1 MB: 200 text files) and {@link #CHANGES} versions, each one file changed. */
  static List<Path> versions(Path root) throws Exception {
    Random random = new Random(7);
    Path v1 = TestBuilds.sampleTree(Files.createDirectories(root.resolve("app-v1")), "v1");
    for (int i = 0; i < 200; i++) {
      StringBuilder text = new StringBuilder();
      while (text.length() < 5_000) {
        text.append("line ").append(random.nextInt(1_000_000)).append('\n');
      }
      Path f = v1.resolve("app/module" + i + ".py");
      Files.createDirectories(f.getParent());
      Files.writeString(f, text);
    }
    List<Path> versions = new ArrayList<>(List.of(v1));
    for (int i = 2; i <= CHANGES + 1; i++) {
      Path next = root.resolve("app-v" + i);
      new ProcessBuilder("cp", "-a", versions.get(i - 2).toString(), next.toString())
          .inheritIO()
          .start()
          .waitFor();
      Path file = next.resolve("app/module" + i + ".py");
      Files.writeString(file, Files.readString(file).replace("line", "LINE"));
      versions.add(next);
    }
    return versions;
  }

  /** This JVM's peak resident memory ({@code VmHWM}), in MB. */
  static long peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  static String load() throws Exception {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return f[0] + ", " + f[1];
  }

  static String report(List<Row> rows, String loadBefore, String loadAfter) {
    StringBuilder md =
        new StringBuilder(
            String.format(
                "Command: `deploy/bench/fleet-benchmark` (%d cores, Java %s; load average %s"
                    + " before, %s after). One run, four groups in turn: sshd hosts, each in its"
                    + " own mount namespace; a ~1 MB app (200 files); the first release downloads"
                    + " it on every host from the embedded store's HTTP server (no throttle), then"
                    + " %d one-file changes in a row (each a delta). *Window polled*: first to last"
                    + " host's `current` changing, read in a tight loop from outside; *recorded*:"
                    + " Tarmac's own activation window (first `go` written → last answer read); *`go`"
                    + " late*: how long after the moment set for the switch the last `go` was"
                    + " written (0: all before it)."
                    + " *CPU*: this JVM's (the service's part: the deployer runs in it) and the whole"
                    + " machine's (the hosts' sshd, shells and programs too) during one change."
                    + " `parallel: 32`; *logins*: `tarmac.ssh.max-logins`"
                    + " (8 by default). Threads: this JVM's peak while the group ran (the deployer"
                    + " runs in it, as in the service); RSS: the JVM's peak resident memory so far"
                    + " (`VmHWM`, it only grows).%n%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                loadBefore,
                loadAfter,
                CHANGES));
    md.append(
        "| hosts | login | logins at once | first release | one-file change, each (s) | median change | window"
            + " polled, each (ms) | max polled | window recorded, each (ms) | `go` late"
            + " (ms) | CPU per change: Tarmac, whole machine (median s) | peak threads | RSS (MB) | SSH"
            + " sessions per host |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      md.append(
          String.format(
              "| %d | %s | %d | %.1f s | %s | %.2f s | %s | **%.1f ms** | %s | %s | %.2f, %.2f | %d |"
                  + " %d | %d |%n",
              r.hosts(),
              r.group(),
              r.logins(),
              r.firstSeconds(),
              join(r.changeSeconds()),
              ReleaseBenchmark.median(r.changeSeconds()),
              join(r.polledMs()),
              Collections.max(r.polledMs()),
              r.recordedMs(),
              join(r.goSpreadMs()),
              ReleaseBenchmark.median(r.serviceCpuSeconds()),
              ReleaseBenchmark.median(r.machineCpuSeconds()),
              r.peakThreads(),
              r.rssMb(),
              r.maxSessions()));
    }
    double small = ReleaseBenchmark.median(rows.get(1).changeSeconds());
    md.append(
        String.format(
            "%nEnd to end, 128 hosts against 16 (median one-file change): %.2f× with 8 logins at"
                + " once, %.2f× with 32 (target ≤ 2×).%n",
            ReleaseBenchmark.median(rows.get(0).changeSeconds()) / small,
            ReleaseBenchmark.median(rows.get(3).changeSeconds()) / small));
    return md.toString();
  }

  private static String join(List<?> values) {
    return String.join(", ", values.stream().map(String::valueOf).toList());
  }
}
