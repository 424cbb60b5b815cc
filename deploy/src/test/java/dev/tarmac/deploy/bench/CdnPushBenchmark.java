package dev.tarmac.deploy.bench;

import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.testing.CurrentPoller;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.testing.MarkdownSection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;

/**
 * The CDN push of a 2,000-asset app (docs/cdn-and-caches.md): a first release, then a one-file
 * change, each against two {@code local} hosts, with the clean-up of {@code cdn/} after each (and,
 * once, after every asset changed twice, so that 2,000 files go); the one-file change's prepare
 * time is compared with the same release of an app without {@code release.cdn} (rounds alternate,
 * medians). Writes the {@code cdn-push-benchmark} section of docs/benchmarks.md when given its
 * path.
 *
 * <p>Run: {@code deploy/bench/cdn-push-benchmark}.
 */
public final class CdnPushBenchmark {
  static final int ASSETS = 2000;

  /** Rounds of each arm; {@code -Dbench.rounds} (the prepare times vary 2× from run to run). */
  static final int ROUNDS = Integer.getInteger("bench.rounds", 11);

  public static void main(String[] args) throws Exception {
    Path work = DeployFixture.workDir("cdn-bench-");
    StringBuilder out = new StringBuilder();
    try (DeployFixture fx =
        new DeployFixture(work.resolve("fx"), (h, e) -> new LocalTransport(h.name()))) {
      List<Long> withCdn = new ArrayList<>();
      List<Long> liveWith = new ArrayList<>();
      List<Long> liveWithout = new ArrayList<>();
      List<Long> without = new ArrayList<>();
      List<Long> pushMs = new ArrayList<>();
      String firstDetail = null;
      long firstPushMs = 0;
      String changeDetail = null;
      List<Long> cleanMs = new ArrayList<>();
      String cleanDetail = null;
      String bigCleanDetail = null;
      long bigCleanMs = 0;
      for (int round = 0; round < ROUNDS; round++) {
        // which arm goes first alternates, so that neither always runs on the warmer JVM
        boolean[] order =
            round % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true};
        for (boolean cdn : order) {
          String app = (cdn ? "cdn" : "plain") + round;
          publish(fx, work, app, "v1", cdn, 0, 42);
          publish(fx, work, app, "v2", cdn, 1, 42);
          ReleaseRecord v1 =
              fx.deployer.release(
                  AppName.of(app), EnvName.of("prod"), Version.of("v1"), fx.options());
          // from outside: asked → both hosts' current at v2, polled on the hosts themselves
          List<Path> links =
              List.of(
                  work.resolve("hosts/" + app + "/a/current"),
                  work.resolve("hosts/" + app + "/b/current"));
          ReleaseRecord v2;
          long live;
          try (CurrentPoller poller = new CurrentPoller(links)) {
            long asked = System.nanoTime();
            v2 =
                fx.deployer.release(
                    AppName.of(app), EnvName.of("prod"), Version.of("v2"), fx.options());
            live = liveMs(poller, asked, links.size());
          }
          (cdn ? liveWith : liveWithout).add(live);
          if (cdn) {
            TaskRecord first = push(v1);
            TaskRecord change = push(v2);
            if (round == 0) {
              firstDetail = first.detail();
              firstPushMs = ms(first);
              changeDetail = change.detail();
            }
            pushMs.add(ms(change));
            withCdn.add(prepareMs(v2));
            cleanMs.add(ms(task(v2, "clean assets")));
            if (round == 0) {
              cleanDetail = task(v2, "clean assets").detail();
              // every asset changed, twice: with keep 2, v4 leaves v2's 2,000 files unreferenced
              // (v1's own script went at v3)
              publish(fx, work, app, "v3", true, 0, 43);
              publish(fx, work, app, "v4", true, 0, 44);
              fx.deployer.release(
                  AppName.of(app), EnvName.of("prod"), Version.of("v3"), fx.options());
              ReleaseRecord v4 =
                  fx.deployer.release(
                      AppName.of(app), EnvName.of("prod"), Version.of("v4"), fx.options());
              bigCleanDetail = task(v4, "clean assets").detail();
              bigCleanMs = ms(task(v4, "clean assets"));
            }
          } else {
            without.add(prepareMs(v2));
          }
        }
      }
      long a = median(withCdn);
      long b = median(without);
      List<Long> paired = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        paired.add(withCdn.get(i) - without.get(i));
      }
      out.append(
              String.format(
                  Locale.ROOT,
                  "%d assets (%d files of 4 KiB plus a 64 KiB script), two `local` hosts, %d rounds;"
                      + " load average %s, %d cores.%n%n",
                  ASSETS,
                  ASSETS - 1,
                  ROUNDS,
                  Files.readString(Path.of("/proc/loadavg")).split(" ")[0],
                  Runtime.getRuntime().availableProcessors()))
          .append("| release | push assets | push time |\n|---|---|---|\n")
          .append(
              String.format(Locale.ROOT, "| first (v1) | %s | %d ms |%n", firstDetail, firstPushMs))
          .append(
              String.format(
                  Locale.ROOT,
                  "| one-file change (v2) | %s | %d ms (median) |%n%n",
                  changeDetail,
                  median(pushMs)))
          .append("| release (`keep: 2`, `grace: 0s`) | clean assets | time |\n|---|---|---|\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "| one-file change (v2) | %s | %d ms (median) |%n",
                  cleanDetail,
                  median(cleanMs)))
          .append(
              String.format(
                  Locale.ROOT,
                  "| every asset changed twice (v4) | %s | %d ms |%n%n",
                  bigCleanDetail,
                  bigCleanMs))
          .append(
              String.format(
                  Locale.ROOT,
                  "One-file change, prepare time (start → last host prepared and the push joined),"
                      + " median: with `release.cdn` %d ms (%d–%d), without %d ms (%d–%d):"
                      + " **%+.1f %%** (target ≤ +5 %%); the median of the %d rounds' own"
                      + " differences (each round releases both apps, one after the other):"
                      + " %+d ms, %+.1f %%.%n",
                  a,
                  Collections.min(withCdn),
                  Collections.max(withCdn),
                  b,
                  Collections.min(without),
                  Collections.max(without),
                  100.0 * (a - b) / b,
                  ROUNDS,
                  median(paired),
                  100.0 * median(paired) / b))
          .append(
              String.format(
                  Locale.ROOT,
                  "%nFrom outside (the time from asking for the release until both hosts' `current`"
                      + " point at v2, polled on the hosts), median: with `release.cdn` %d ms"
                      + " (%d–%d), without %d ms (%d–%d): **%+.1f %%**.%n",
                  median(liveWith),
                  Collections.min(liveWith),
                  Collections.max(liveWith),
                  median(liveWithout),
                  Collections.min(liveWithout),
                  Collections.max(liveWithout),
                  100.0 * (median(liveWith) - median(liveWithout)) / median(liveWithout)));
    }
    System.out.println(out);
    if (args.length > 0) {
      MarkdownSection.write(Path.of(args[0]), "cdn-push-benchmark", out.toString());
    }
    TestBuilds.deleteTree(work);
  }

  private static void publish(
      DeployFixture fx, Path work, String app, String version, boolean cdn, int change, long seed)
      throws Exception {
    Path tree = TestBuilds.sampleTree(work.resolve(app + "-" + version), version);
    Random random = new Random(seed);
    TreeMap<String, String> paths = new TreeMap<>();
    for (int i = 0; i < ASSETS - 1; i++) {
      byte[] bytes = new byte[4096];
      random.nextBytes(bytes);
      paths.put("img/a" + i + ".bin", write(tree, "img/a" + i, ".bin", bytes));
    }
    byte[] js = new byte[65536];
    random.nextBytes(js);
    js[0] = (byte) change;
    paths.put("js/app.js", write(tree, "js/app", ".js", js));
    StringBuilder manifest = new StringBuilder("{\"paths\":{");
    paths.forEach((k, v) -> manifest.append('"').append(k).append("\":\"").append(v).append("\","));
    manifest.setLength(manifest.length() - 1);
    manifest.append("},\"version\":1}\n");
    Files.writeString(tree.resolve("public/tarmac-assets.json"), manifest);
    String config =
        "app: "
            + app
            + "\n"
            + (cdn
                ? "build:\n  fingerprint: { root: public }\nrelease:\n  keep: 2\n"
                    + "  cdn: { url: https://cdn.example.com, grace: 0s }\n"
                : "release:\n  keep: 2\n")
            + "environments:\n  prod:\n    hosts:\n"
            + "      - { name: a, address: local, deploy_to: "
            + work.resolve("hosts/" + app + "/a")
            + " }\n"
            + "      - { name: b, address: local, deploy_to: "
            + work.resolve("hosts/" + app + "/b")
            + " }\n";
    Files.writeString(tree.resolve("tarmac.yml"), config);
    TestBuilds.publish(fx.store, app, version, tree, config);
  }

  private static String write(Path tree, String stem, String ext, byte[] bytes) throws Exception {
    String hashed = stem + "." + Hashing.sha256Hex(bytes).substring(0, 12) + ext;
    Path p = tree.resolve("public").resolve(hashed);
    Files.createDirectories(p.getParent());
    Files.write(p, bytes);
    return hashed;
  }

  private static TaskRecord push(ReleaseRecord r) {
    return task(r, "push assets");
  }

  private static TaskRecord task(ReleaseRecord r, String name) {
    return r.hosts().stream()
        .filter(h -> h.name().equals("(service)"))
        .flatMap(h -> h.tasks().stream())
        .filter(t -> t.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static long ms(TaskRecord t) {
    return Duration.between(t.startedAt(), t.finishedAt()).toMillis();
  }

  /** From the record's start to the last prepare task's end on any host, the push included. */
  private static long prepareMs(ReleaseRecord r) {
    java.time.Instant last = r.startedAt();
    for (HostRecord h : r.hosts()) {
      for (TaskRecord t : h.tasks()) {
        if (List.of(
                    "check",
                    "download",
                    "download delta",
                    "make delta",
                    "link shared",
                    "push assets")
                .contains(t.name())
            && t.finishedAt().isAfter(last)) {
          last = t.finishedAt();
        }
      }
    }
    return Duration.between(r.startedAt(), last).toMillis();
  }

  /** When the last host's {@code current} turned to v2, from {@code asked}, in ms. */
  private static long liveMs(CurrentPoller poller, long asked, int hosts) {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    long last = 0;
    for (CurrentPoller.Change c : poller.changes()) {
      if ("releases/v2".equals(c.target()) && seen.add(c.host())) {
        last = Math.max(last, c.nanos());
      }
    }
    if (seen.size() != hosts) {
      throw new AssertionError("not every host was seen switching to v2: " + poller.changes());
    }
    return (last - asked) / 1_000_000;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
