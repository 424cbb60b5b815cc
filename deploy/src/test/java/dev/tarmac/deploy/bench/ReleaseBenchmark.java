package dev.tarmac.deploy.bench;

import dev.tarmac.deploy.release.ReleaseEvent;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.release.Transports;
import dev.tarmac.deploy.testing.CurrentPoller;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.testing.MarkdownSection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The release benchmark (run it with {@code deploy/bench/release-benchmark}): N = 1, 2, 4, 8, 16
 * OpenSSH servers of two kinds in the same run — fast ({@code /bin/sh} deploy user, 127.0.0.21-36)
 * and slow-login ({@code /bin/bash} whose {@code .bashrc} sleeps 0.2–0.6 s, as one starting pyenv
 * does; 127.0.0.61-76) — a generated 20 MB app, every host's download limited to 5 MB/s by the
 * store's HTTP server. Per kind and N: the first release's prepare, a one-file change released (by
 * delta) end to end, the activation window as Tarmac records it and as polled from outside (every
 * host's {@code current} read in a tight loop), rollback, and SSH sessions opened per host. Writes
 * its figures into docs/benchmarks.md.
 */
public final class ReleaseBenchmark {
  static final int[] SIZES = {1, 2, 4, 8, 16};

  /** One-file changes released in a row per kind and N; the table gives their median. */
  static final int CHANGES = 3;

  static final int CYCLES = 3;

  record Row(
      String kind,
      int hosts,
      double prepareSeconds,
      double changeSeconds,
      double maxRecordedWindowMs,
      double maxPolledWindowMs,
      double medianPolledWindowMs,
      double maxRollbackSeconds,
      int maxSessions,
      ReleaseRecord release,
      ReleaseRecord change,
      ReleaseRecord slowestRollback) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md").toAbsolutePath();
    Path root = Path.of("target/bench-release").toAbsolutePath();
    if (Files.exists(root)) {
      new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start().waitFor();
    }
    Files.createDirectories(root);
    Random random = new Random(42);
    Path v1 = generate(root.resolve("app-v1"), random, "v1");
    Path v2 = root.resolve("app-v2");
    new ProcessBuilder("cp", "-a", v1.toString(), v2.toString()).inheritIO().start().waitFor();
    Path changed = v2.resolve("app/module7.py");
    Files.writeString(changed, Files.readString(changed).replace("line", "LINE"));
    // v3 and v4: one more file changed each, for three one-file changes in a row
    List<Path> versions = new ArrayList<>(List.of(v1, v2));
    for (int i = 3; i <= CHANGES + 1; i++) {
      Path next = root.resolve("app-v" + i);
      new ProcessBuilder("cp", "-a", versions.get(i - 2).toString(), next.toString())
          .inheritIO()
          .start()
          .waitFor();
      Path file = next.resolve("app/module" + (5 + i) + ".py");
      Files.writeString(file, Files.readString(file).replace("line", "LINE"));
      versions.add(next);
    }
    long appBytes = size(v1);

    boolean onlyDeltas = "delta".equals(System.getProperty("bench.only"));
    List<Row> rows = new ArrayList<>();
    long artifactBytes = 0;
    try (SshHosts fast = new SshHosts(root.resolve("hosts"), 16, 21);
        SshHosts slow = new SshHosts(root.resolve("slow-hosts"), 16, 61, SshHosts.Login.SLOW);
        DeployFixture fx =
            new DeployFixture(root.resolve("fx"), Transports.standard(fast.settings()));
        DeployFixture slowFx =
            new DeployFixture(root.resolve("slow-fx"), Transports.standard(slow.settings()))) {
      // every download gets its own 5 MB/s link, as each server has its own
      fx.http.throttle(5_000_000);
      slowFx.http.throttle(5_000_000);
      String roundTrip = onlyDeltas ? "" : roundTrips(fast, slow);
      System.out.print(roundTrip);
      for (int n : onlyDeltas ? new int[0] : sizes()) {
        for (String kind : List.of("fast", "slow-login")) {
          SshHosts ssh = kind.equals("fast") ? fast : slow;
          DeployFixture f = kind.equals("fast") ? fx : slowFx;
          Row row = measure(kind, ssh, f, n, versions);
          artifactBytes = row.release().hosts().get(0).transfer().bytes();
          rows.add(row);
          System.out.printf(
              "%-10s N=%2d prepare %.2f s, one-file change %.2f s, window recorded max %.0f ms,"
                  + " polled max %.1f ms (median %.1f), rollback max %.2f s, sessions/host %d%n",
              kind,
              n,
              row.prepareSeconds(),
              row.changeSeconds(),
              row.maxRecordedWindowMs(),
              row.maxPolledWindowMs(),
              row.medianPolledWindowMs(),
              row.maxRollbackSeconds(),
              row.maxSessions());
        }
      }
      if (System.getProperty("bench.sizes") != null) {
        // a partial run (diagnosis): print, write nothing
        for (Row r : rows) {
          System.out.println("one-file change, " + r.kind() + " N=" + r.hosts() + ":");
          System.out.println(timeline(r.change()));
          System.out.println("slowest rollback, " + r.kind() + " N=" + r.hosts() + ":");
          System.out.println(timeline(r.slowestRollback()));
        }
        return;
      }
      if (!onlyDeltas) {
        MarkdownSection.write(
            out, "release-benchmark", report(rows, appBytes, artifactBytes) + roundTrip);
      }
      MarkdownSection.write(out, "delta-benchmark", deltas(root, fast, fx));
      System.out.println("wrote " + out);
    }
  }

  static Row measure(String kind, SshHosts ssh, DeployFixture fx, int n, List<Path> versions)
      throws Exception {
    String app = "bench" + n;
    String config = config(app, ssh, n);
    for (int i = 0; i < versions.size(); i++) {
      Files.writeString(versions.get(i).resolve("tarmac.yml"), config);
      TestBuilds.publish(fx.store, app, "v" + (i + 1), versions.get(i), config);
    }
    String last = "v" + versions.size();
    String beforeLast = "v" + (versions.size() - 1);
    var options = fx.options();
    Map<String, Instant> phases = new LinkedHashMap<>();
    fx.onEvent(
        e -> {
          if (e.kind() == ReleaseEvent.Kind.PHASE) {
            phases.putIfAbsent(e.task(), e.at());
          }
        });
    // the first release: every host downloads the whole artifact
    ReleaseRecord release =
        fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), options);
    fx.onEvent(e -> {});
    double prepare = seconds(phases.get("prepare"), phases.get("barrier"));
    List<Path> links =
        ssh.hosts().subList(0, n).stream()
            .map(h -> h.root().resolve(app).resolve("current"))
            .toList();
    List<Double> recorded = new ArrayList<>();
    List<Double> polled = new ArrayList<>();
    List<Double> rollbacks = new ArrayList<>();
    ReleaseRecord slowestRollback = null;
    int sessions = maxSessions(release);
    List<Double> changes = new ArrayList<>();
    ReleaseRecord changed = null;
    try (CurrentPoller poller = new CurrentPoller(links)) {
      // one-file changes in a row, end to end (a delta on every host): v1 → v2 → v3 → v4
      for (int i = 2; i <= versions.size(); i++) {
        poller.reset();
        long t0 = System.nanoTime();
        ReleaseRecord next =
            fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v" + i), options);
        changes.add((System.nanoTime() - t0) / 1e9);
        changed = next;
        recorded.add((double) next.activationWindowMs());
        polled.add(poller.window("releases/v" + i).toNanos() / 1e6);
        sessions = Math.max(sessions, maxSessions(next));
      }
      for (int i = 0; i < CYCLES; i++) {
        poller.reset();
        long r0 = System.nanoTime();
        ReleaseRecord back =
            fx.deployer.rollback(
                AppName.of(app), EnvName.of("prod"), Optional.empty(), false, false, options);
        double took = (System.nanoTime() - r0) / 1e9;
        if (rollbacks.isEmpty() || took > Collections.max(rollbacks)) {
          slowestRollback = back;
        }
        rollbacks.add(took);
        recorded.add((double) back.activationWindowMs());
        polled.add(poller.window("releases/" + beforeLast).toNanos() / 1e6);
        sessions = Math.max(sessions, maxSessions(back));
        poller.reset();
        // released again: already on every host, so no download
        ReleaseRecord again =
            fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of(last), options);
        recorded.add((double) again.activationWindowMs());
        polled.add(poller.window("releases/" + last).toNanos() / 1e6);
        sessions = Math.max(sessions, maxSessions(again));
      }
    }
    return new Row(
        kind,
        n,
        prepare,
        median(changes),
        Collections.max(recorded),
        Collections.max(polled),
        median(polled),
        Collections.max(rollbacks),
        sessions,
        release,
        changed,
        slowestRollback);
  }

  /**
   * What one command costs through a host's shell: 500 commands ({@code [ -d / ]}) sent one after
   * the other to one host of each kind, after the shell has started; median and 99th percentile of
   * the round trip as Tarmac times it.
   */
  static String roundTrips(SshHosts fast, SshHosts slow) throws Exception {
    StringBuilder md =
        new StringBuilder(
            "\nOne command through a host's shell (500 plain commands, `[ -d / ]`, one after the"
                + " other to one host, after its shell started; the round trip as Tarmac times"
                + " it):\n\n| host | median | p99 |\n|---|---|---|\n");
    for (var kind : List.of(Map.entry("fast", fast), Map.entry("slow-login", slow))) {
      SshHosts ssh = kind.getValue();
      SshHosts.Host h = ssh.hosts().get(0);
      var host =
          new dev.tarmac.deploy.config.TarmacConfig.Host(
              h.name(), h.address(), h.port(), ssh.user(), ssh.deployTo(), List.of());
      List<Double> ms = new ArrayList<>();
      try (var t = dev.tarmac.deploy.remote.SshTransport.connect(host, ssh.settings(), false)) {
        t.run("true", Duration.ofSeconds(30)); // the login, paid once
        for (int i = 0; i < 500; i++) {
          long t0 = System.nanoTime();
          if (!t.run("[ -d / ]", Duration.ofSeconds(30)).ok()) {
            throw new IllegalStateException("[ -d / ] failed on " + h.name());
          }
          ms.add((System.nanoTime() - t0) / 1e6);
        }
      }
      Collections.sort(ms);
      md.append(
          String.format(
              "| %s | %.2f ms | %.2f ms |%n",
              kind.getKey(), median(ms), ms.get(ms.size() * 99 / 100)));
    }
    return md.toString();
  }

  /** N to measure: all of {@link #SIZES}, or those of {@code -Dbench.sizes=16,8} (diagnosis). */
  static int[] sizes() {
    String only = System.getProperty("bench.sizes");
    if (only == null) {
      return SIZES;
    }
    return java.util.Arrays.stream(only.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  static int maxSessions(ReleaseRecord r) {
    return r.hosts().stream()
        .mapToInt(h -> h.sessions() == null ? 0 : h.sessions())
        .max()
        .orElse(0);
  }

  /**
   * An app of 2,000 files / 50 MB released to the 16 hosts in full, then again with one 10 KB file
   * changed: the second release goes by delta.
   */
  static String deltas(Path root, SshHosts ssh, DeployFixture fx) throws Exception {
    Random random = new Random(7);
    Path v1 = Files.createDirectories(root.resolve("big-v1"));
    for (int i = 0; i < 40; i++) {
      byte[] image = new byte[750_000];
      random.nextBytes(image);
      Path f = v1.resolve("public/img/photo" + i + ".jpg");
      Files.createDirectories(f.getParent());
      Files.write(f, image);
    }
    for (int i = 0; i < 1960; i++) {
      StringBuilder text = new StringBuilder();
      while (text.length() < 10_200) {
        text.append("line ")
            .append(random.nextInt(1_000_000))
            .append(" of module ")
            .append(i)
            .append('\n');
      }
      Path f = v1.resolve("app/pkg" + (i % 40) + "/module" + i + ".py");
      Files.createDirectories(f.getParent());
      Files.writeString(f, text);
    }
    Path v2 = root.resolve("big-v2");
    new ProcessBuilder("cp", "-a", v1.toString(), v2.toString()).inheritIO().start().waitFor();
    Path changed = v2.resolve("app/pkg7/module7.py");
    Files.writeString(changed, Files.readString(changed).replace("line", "LINE"));
    long files;
    try (var walk = Files.walk(v1)) {
      files = walk.filter(Files::isRegularFile).count();
    }
    StringBuilder md = new StringBuilder();
    long full = 0;
    List<String> rows = new ArrayList<>();
    for (int n : new int[] {2, 16}) {
      String app = "big" + n;
      String config = config(app, ssh, n);
      full = TestBuilds.publish(fx.store, app, "v1", v1, config).size();
      TestBuilds.publish(fx.store, app, "v2", v2, config);
      Map<String, Instant> phases = new LinkedHashMap<>();
      fx.onEvent(
          e -> {
            if (e.kind() == ReleaseEvent.Kind.PHASE) {
              phases.put(e.task(), e.at());
            }
          });
      fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options());
      double fullPrepare = seconds(phases.get("prepare"), phases.get("barrier"));
      phases.clear();
      ReleaseRecord second =
          fx.deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v2"), fx.options());
      double deltaPrepare = seconds(phases.get("prepare"), phases.get("barrier"));
      fx.onEvent(e -> {});
      long maxBytes =
          second.hosts().stream().mapToLong(h -> h.transfer().bytes()).max().orElseThrow();
      long deltaHosts =
          second.hosts().stream().filter(h -> h.transfer().mode().equals("delta")).count();
      double make =
          second.hosts().get(0).tasks().stream()
              .filter(t -> t.name().equals("make delta"))
              .mapToDouble(t -> seconds(t.startedAt(), t.finishedAt()))
              .findFirst()
              .orElse(0);
      System.out.printf(
          "delta N=%d: full prepare %.2f s, delta prepare %.2f s (make %.2f s), %d bytes per host"
              + " (%d hosts by delta)%n",
          n, fullPrepare, deltaPrepare, make, maxBytes, deltaHosts);
      rows.add(
          String.format(
              "| %d | %d of %d | %,d = %.3f %% | %.2f s | %.2f s (delta made in %.2f s) | %.2f× |%n",
              n,
              deltaHosts,
              n,
              maxBytes,
              100.0 * maxBytes / full,
              fullPrepare,
              deltaPrepare,
              make,
              deltaPrepare / fullPrepare));
    }
    md.append(
        String.format(
            "App: %d files, %.1f MB (artifact %.1f MB); v2 changes one 10 KB file. sshd hosts, 5 MB/s"
                + " per download, as above. v1 is released in full, then v2 by delta on the same"
                + " hosts, for 2 and for 16 hosts.%n%n",
            files, size(v1) / 1e6, full / 1e6));
    md.append(
        "| hosts | by delta | bytes received per host (≤ 1 % of the artifact) | prepare, full (v1)"
            + " | prepare, delta (v2) | delta / full (≤ 0.3×) |\n|---|---|---|---|---|---|\n");
    rows.forEach(md::append);
    return md.toString();
  }

  static String config(String app, SshHosts ssh, int n) {
    StringBuilder hosts = new StringBuilder();
    for (SshHosts.Host h : ssh.hosts().subList(0, n)) {
      hosts
          .append("      - { name: ")
          .append(h.name())
          .append(", address: ")
          .append(h.address())
          .append(", port: ")
          .append(h.port())
          .append(", user: " + ssh.user() + " }\n");
    }
    return "app: "
        + app
        + "\nrelease:\n  shared: [public/uploads]\nenvironments:\n  prod:\n"
        + "    deploy_to: "
        + ssh.deployTo()
        + "/"
        + app
        + "\n    parallel: 16\n    hosts:\n"
        + hosts;
  }

  static String report(List<Row> rows, long appBytes, long artifactBytes) {
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            "Generated app: %.1f MB (%.1f MB artifact); the store's HTTP server sends each download"
                + " at 5 MB/s, as if each host had its own 5 MB/s link. Hosts: OpenSSH sshd, each in"
                + " its own mount namespace, reached with sshj, of two kinds measured in the same"
                + " run: **fast** (deploy user with /bin/sh) and **slow-login** (deploy user with"
                + " /bin/bash whose ~/.bashrc sleeps 0.2–0.6 s, as one starting pyenv/nvm does; bash"
                + " reads it for every SSH session). Machine: %d cores, %s %s. Per kind and N: the"
                + " first release (full download), then %d one-file changes in a row (each by delta; the"
                + " table gives their median), then %d × (rollback, release again). *Window polled* is measured from outside: a thread"
                + " reads every host's `current` link in a tight loop and takes first host switched →"
                + " last host switched; *recorded* is Tarmac's own figure (first signal sent → last"
                + " answer back). Sessions: SSH sessions opened per host in one run (max over hosts"
                + " and runs).%n%n",
            appBytes / 1e6,
            artifactBytes / 1e6,
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"),
            System.getProperty("java.version"),
            CHANGES,
            CYCLES));
    md.append(
        "| hosts | kind | prepare (full) | one-file change, end to end (median) | window polled (median /"
            + " max) | window recorded (max) | rollback (max) | sessions per host |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      md.append(
          String.format(
              "| %d | %s | %.2f s | %.2f s | %.1f / %.1f ms | %.0f ms | %.2f s | %d |%n",
              r.hosts(),
              r.kind(),
              r.prepareSeconds(),
              r.changeSeconds(),
              r.medianPolledWindowMs(),
              r.maxPolledWindowMs(),
              r.maxRecordedWindowMs(),
              r.maxRollbackSeconds(),
              r.maxSessions()));
    }
    Row fast16 = find(rows, "fast", 16);
    Row slow16 = find(rows, "slow-login", 16);
    int sessions = rows.stream().mapToInt(Row::maxSessions).max().orElse(0);
    md.append("\n| target (16 hosts) | measured | met |\n|---|---|---|\n");
    md.append(
        String.format(
            "| window ≤ 50 ms polled outside, slow-login hosts | max %.1f ms | %s |%n",
            slow16.maxPolledWindowMs(), slow16.maxPolledWindowMs() <= 50 ? "yes" : "**no**"));
    double ratio = slow16.changeSeconds() / fast16.changeSeconds();
    md.append(
        String.format(
            "| one-file change to slow-login ≤ 1.3× fast | %.2f s / %.2f s = %.2f× | %s |%n",
            slow16.changeSeconds(),
            fast16.changeSeconds(),
            ratio,
            ratio <= 1.3 ? "yes" : "**no**"));
    md.append(
        String.format(
            "| ≤ 3 sessions per host per release | max %d | %s |%n",
            sessions, sessions <= 3 ? "yes" : "**no**"));
    md.append(
        String.format(
            "| rollback ≤ 1 s, fast hosts | max %.2f s | %s |%n",
            fast16.maxRollbackSeconds(), fast16.maxRollbackSeconds() <= 1 ? "yes" : "**no**"));
    md.append(
        "\nTimeline of the first 16-host release to slow-login hosts (seconds from its start; each"
            + " cell is start–end of that task on that host):\n\n");
    md.append(timeline(slow16.release()));
    return md.toString();
  }

  static Row find(List<Row> rows, String kind, int n) {
    return rows.stream()
        .filter(r -> r.kind().equals(kind) && r.hosts() == n)
        .findFirst()
        .orElseThrow();
  }

  static String timeline(ReleaseRecord r) {
    List<String> tasks = new ArrayList<>();
    for (HostRecord h : r.hosts()) {
      for (TaskRecord t : h.tasks()) {
        if (!tasks.contains(t.name())) {
          tasks.add(t.name());
        }
      }
    }
    StringBuilder md = new StringBuilder("| host |");
    tasks.forEach(t -> md.append(' ').append(t).append(" |"));
    md.append("\n|---|").append("---|".repeat(tasks.size())).append('\n');
    for (HostRecord h : r.hosts()) {
      md.append("| ").append(h.name()).append(" |");
      for (String name : tasks) {
        TaskRecord t =
            h.tasks().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        md.append(
            t == null
                ? " – |"
                : String.format(
                    " %.2f–%.2f |",
                    seconds(r.startedAt(), t.startedAt()), seconds(r.startedAt(), t.finishedAt())));
      }
      md.append('\n');
    }
    return md.toString();
  }

  /** About 20 MB: images (incompressible) and text, as a small web app has. */
  static Path generate(Path dir, Random random, String version) throws Exception {
    TestBuilds.sampleTree(Files.createDirectories(dir), version);
    for (int i = 0; i < 40; i++) {
      byte[] image = new byte[400_000];
      random.nextBytes(image);
      Path f = dir.resolve("public/img/photo" + i + ".jpg");
      Files.createDirectories(f.getParent());
      Files.write(f, image);
    }
    for (int i = 0; i < 160; i++) {
      StringBuilder text = new StringBuilder();
      while (text.length() < 25_000) {
        text.append("line ")
            .append(random.nextInt(1_000_000))
            .append(" of module ")
            .append(i)
            .append(' ')
            .append(version)
            .append('\n');
      }
      Path f = dir.resolve("app/module" + i + ".py");
      Files.createDirectories(f.getParent());
      Files.writeString(f, text);
    }
    return dir;
  }

  static long size(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
