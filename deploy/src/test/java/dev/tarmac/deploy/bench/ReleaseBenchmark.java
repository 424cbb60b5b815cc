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
      for (int n : SIZES) {
        String app = "bench" + n;
        String config = config(app, ssh, n);
        Files.writeString(v1.resolve("tarmac.yml"), config);
        Files.writeString(v2.resolve("tarmac.yml"), config);
        TestBuilds.publish(fx.store, app, "v1", v1, config);
        artifactBytes = TestBuilds.publish(fx.store, app, "v2", v2, config).size();
        var options = fx.options();
        fx.deployer.release(app, "prod", "v1", options);

        Map<String, Instant> phases = new LinkedHashMap<>();
        fx.onEvent(
            e -> {
              if (e.kind() == ReleaseEvent.Kind.PHASE) {
                phases.putIfAbsent(e.task(), e.at());
              }
            });
        ReleaseRecord release = fx.deployer.release(app, "prod", "v2", options);
        fx.onEvent(e -> {});
        double prepare = seconds(phases.get("prepare"), phases.get("barrier"));
        List<Double> windows = new ArrayList<>();
        windows.add((double) release.activationWindowMs());
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
      MarkdownSection.write(out, "release-benchmark", report(rows, appBytes, artifactBytes));
      System.out.println("wrote " + out);
    }
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
            2 * CYCLES + 1));
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
        "\nTimeline of the 16-host release of v2 (seconds from its start; each cell is"
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
