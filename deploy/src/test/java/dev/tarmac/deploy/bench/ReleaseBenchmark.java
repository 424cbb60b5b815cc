package dev.tarmac.deploy.bench;

import dev.tarmac.deploy.release.ReleaseEvent;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.release.Transports;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.deploy.testing.TestBuilds;
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
 * OpenSSH servers on 127.0.0.21-36, a generated 20 MB app, every host's download limited to 5 MB/s
 * by the store's HTTP server, to stand in for a real link. Per N: prepare time, activation window,
 * rollback time; the timeline of the 16-host release. Writes its figures into docs/benchmarks.md.
 */
public final class ReleaseBenchmark {
  static final int[] SIZES = {1, 2, 4, 8, 16};
  static final int CYCLES = 5;

  record Row(
      int hosts,
      double prepareSeconds,
      double firstWindowMs,
      double medianWindowMs,
      double maxWindowMs,
      double medianRollbackSeconds,
      double maxRollbackSeconds,
      ReleaseRecord release) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md").toAbsolutePath();
    Path root = Path.of("target/bench-release").toAbsolutePath();
    if (Files.exists(root)) {
      new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start().waitFor();
    }
    Files.createDirectories(root);
    Random random = new Random(42);
    Path v1 = generate(root.resolve("app-v1"), random, "v1");
    Path v2 = generate(root.resolve("app-v2"), random, "v2");
    long appBytes = size(v1);

    List<Row> rows = new ArrayList<>();
    try (SshHosts ssh = new SshHosts(root.resolve("hosts"), 16, 21);
        DeployFixture fx =
            new DeployFixture(root.resolve("fx"), Transports.standard(ssh.settings()))) {
      // every download gets its own 5 MB/s link, as each server has its own
      fx.http.throttle(5_000_000);
      long artifactBytes = 0;
      boolean onlyDeltas = "delta".equals(System.getProperty("bench.only"));
      for (int n : onlyDeltas ? new int[0] : SIZES) {
        String app = "bench" + n;
        String config = config(app, ssh, n);
        Files.writeString(v1.resolve("tarmac.yml"), config);
        Files.writeString(v2.resolve("tarmac.yml"), config);
        TestBuilds.publish(fx.store, app, "v1", v1, config);
        artifactBytes = TestBuilds.publish(fx.store, app, "v2", v2, config).size();
        var options = fx.options();
        Map<String, Instant> phases = new LinkedHashMap<>();
        fx.onEvent(
            e -> {
              if (e.kind() == ReleaseEvent.Kind.PHASE) {
                phases.putIfAbsent(e.task(), e.at());
              }
            });
        // the first release: every host downloads the whole artifact
        ReleaseRecord release = fx.deployer.release(app, "prod", "v1", options);
        fx.onEvent(e -> {});
        double prepare = seconds(phases.get("prepare"), phases.get("barrier"));
        List<Double> windows = new ArrayList<>();
        windows.add((double) release.activationWindowMs());
        windows.add((double) fx.deployer.release(app, "prod", "v2", options).activationWindowMs());
        List<Double> rollbacks = new ArrayList<>();
        for (int i = 0; i < CYCLES; i++) {
          long t0 = System.nanoTime();
          ReleaseRecord back = fx.deployer.rollback(app, "prod", Optional.empty(), false, options);
          rollbacks.add((System.nanoTime() - t0) / 1e9);
          windows.add((double) back.activationWindowMs());
          // released again: already on every host, so no download
          ReleaseRecord again = fx.deployer.release(app, "prod", "v2", options);
          windows.add((double) again.activationWindowMs());
        }
        Row row =
            new Row(
                n,
                prepare,
                release.activationWindowMs(),
                median(windows),
                Collections.max(windows),
                median(rollbacks),
                Collections.max(rollbacks),
                release);
        rows.add(row);
        System.out.printf(
            "N=%2d prepare %.2f s, window %.0f ms (median %.0f, max %.0f), rollback %.2f s"
                + " (max %.2f)%n",
            n,
            prepare,
            row.firstWindowMs(),
            row.medianWindowMs(),
            row.maxWindowMs(),
            row.medianRollbackSeconds(),
            row.maxRollbackSeconds());
      }
      if (!onlyDeltas) {
        MarkdownSection.write(out, "release-benchmark", report(rows, appBytes, artifactBytes));
      }
      MarkdownSection.write(out, "delta-benchmark", deltas(root, ssh, fx));
      System.out.println("wrote " + out);
    }
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
      fx.deployer.release(app, "prod", "v1", fx.options());
      double fullPrepare = seconds(phases.get("prepare"), phases.get("barrier"));
      phases.clear();
      ReleaseRecord second = fx.deployer.release(app, "prod", "v2", fx.options());
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
          .append(", user: " + SshHosts.USER + " }\n");
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
                + " at 5 MB/s, as if each host had its own 5 MB/s link. Hosts: OpenSSH sshd on 127.0.0.21-36, each in its own mount namespace, reached"
                + " with sshj. Machine: %d cores, %s %s. Rollback and re-release repeated %d times per"
                + " N; the window column shows the first release's window, then the median and maximum"
                + " over every switch (%d per N).%n%n",
            appBytes / 1e6,
            artifactBytes / 1e6,
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"),
            System.getProperty("java.version"),
            CYCLES,
            2 * CYCLES + 2));
    md.append(
        "| hosts | prepare | activation window (first / median / max) | rollback (median / max) |\n");
    md.append("|---|---|---|---|\n");
    for (Row r : rows) {
      md.append(
          String.format(
              "| %d | %.2f s | %.0f / %.0f / %.0f ms | %.2f / %.2f s |%n",
              r.hosts(),
              r.prepareSeconds(),
              r.firstWindowMs(),
              r.medianWindowMs(),
              r.maxWindowMs(),
              r.medianRollbackSeconds(),
              r.maxRollbackSeconds()));
    }
    Row two = rows.stream().filter(r -> r.hosts() == 2).findFirst().orElseThrow();
    Row sixteen = rows.get(rows.size() - 1);
    md.append("\n| target (16 hosts) | measured | met |\n|---|---|---|\n");
    md.append(
        String.format(
            "| activation window ≤ 50 ms | max %.0f ms | %s |%n",
            sixteen.maxWindowMs(), sixteen.maxWindowMs() <= 50 ? "yes" : "**no**"));
    double ratio = sixteen.prepareSeconds() / two.prepareSeconds();
    md.append(
        String.format(
            "| prepare ≤ 1.5× the 2-host prepare | %.2f s / %.2f s = %.2f× | %s |%n",
            sixteen.prepareSeconds(),
            two.prepareSeconds(),
            ratio,
            ratio <= 1.5 ? "yes" : "**no**"));
    md.append(
        String.format(
            "| rollback ≤ 1 s | max %.2f s | %s |%n",
            sixteen.maxRollbackSeconds(), sixteen.maxRollbackSeconds() <= 1 ? "yes" : "**no**"));
    md.append(
        "\nTimeline of the first 16-host release (seconds from its start; each cell is"
            + " start–end of that task on that host):\n\n");
    md.append(timeline(sixteen.release()));
    return md.toString();
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
