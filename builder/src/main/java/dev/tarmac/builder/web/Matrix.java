package dev.tarmac.builder.web;

import dev.tarmac.builder.service.BuildView;
import dev.tarmac.builder.service.ReleaseState;
import dev.tarmac.deploy.release.EnvStatus;
import dev.tarmac.deploy.release.ReleaseHistory;
import dev.tarmac.deploy.release.ReleaseRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The home page (docs/dashboard.md): every app × environment, what the history says is live in
 * each, the state of the newest release, who and when, a running release; the newest builds and
 * releases of every app below. Pure: it is given what the service read.
 *
 * <p>Reading every host over SSH for every cell would make the home page as slow as all the
 * environment pages together, so a cell's drift is what the environment page saw when it last read
 * the hosts ({@link #seen}), with the time of that reading; never a guess.
 */
final class Matrix {
  private Matrix() {}

  /** What one app has: its builds (newest first) and each environment's history (newest first). */
  record AppData(String app, List<BuildView> builds, Map<String, List<ReleaseRecord>> histories) {}

  /** The last reading of an environment's hosts, by the environment page. */
  record Seen(Instant at, int hosts, int drifted, int unreachable) {}

  private static final Map<String, Seen> SEEN = new ConcurrentHashMap<>();

  /** Remembers what the environment page read of {@code app}/{@code env}'s hosts. */
  static void seen(String app, String env, EnvStatus status, Instant at) {
    int drifted = 0;
    int unreachable = 0;
    for (EnvStatus.HostStatus h : status.hosts()) {
      if (h.error() != null) {
        unreachable++;
      } else if (h.drift()) {
        drifted++;
      }
    }
    SEEN.put(app + "/" + env, new Seen(at, status.hosts().size(), drifted, unreachable));
  }

  /**
   * One cell. {@code live} is the version the history says is live (null: nothing); {@code last}
   * the newest record's state, kind, version, who and when; {@code running} the newest record when
   * it is still running; {@code hosts} what the environment page last read of the hosts.
   */
  record Cell(
      String app,
      String env,
      boolean defined,
      String live,
      Long liveId,
      String css,
      String lastState,
      String lastCss,
      Long lastId,
      String lastKind,
      String lastVersion,
      String lastWho,
      String lastWhen,
      String running,
      String hosts,
      boolean drift) {}

  record Row(String app, List<Cell> cells) {}

  record BuildItem(String app, String version, String status, String when, String duration) {}

  record ReleaseItem(
      String app,
      String env,
      long id,
      String kind,
      String version,
      String state,
      String css,
      String who,
      String when) {}

  /** The matrix and the lists below it. */
  record Home(
      List<String> envs,
      List<Row> rows,
      List<BuildItem> builds,
      List<ReleaseItem> releases,
      boolean anyRunning) {

    /**
     * The lists below the matrix, recent releases then builds, as the page's one loop draws them.
     */
    public List<Recent> recent() {
      return List.of(
          new Recent(
              "recent-releases",
              "Recent releases",
              "No release yet.",
              List.of("Release", "State", "Who", "Started"),
              releases.stream()
                  .map(
                      r ->
                          new RecentRow(
                              "/apps/" + r.app() + "/envs/" + r.env() + "/releases/" + r.id(),
                              r.app() + " · " + r.env() + " #" + r.id(),
                              r.kind() + " " + r.version(),
                              "state-" + r.css(),
                              r.state(),
                              r.who(),
                              r.when()))
                  .toList()),
          new Recent(
              "recent-builds",
              "Recent builds",
              "No build yet.",
              List.of("Build", "Status", "Queued", "Took"),
              builds.stream()
                  .map(
                      b ->
                          new RecentRow(
                              "/apps/" + b.app() + "/builds/" + b.version(),
                              b.app() + " " + b.version(),
                              "",
                              "status-" + b.status(),
                              b.status(),
                              b.when(),
                              b.duration()))
                  .toList()));
    }
  }

  /** A list below the matrix: its table's id, heading, words when empty, column heads, rows. */
  record Recent(String id, String title, String empty, List<String> heads, List<RecentRow> rows) {}

  /**
   * A row of such a list: a link ({@code href}, {@code name}) with {@code what} after it, a badge
   * (its class and word), and two more columns.
   */
  record RecentRow(
      String href,
      String name,
      String what,
      String badgeCss,
      String badge,
      String third,
      String fourth) {}

  static final int RECENT = 10;

  static Home of(List<AppData> apps) {
    Set<String> envs = new LinkedHashSet<>();
    apps.forEach(a -> envs.addAll(a.histories().keySet()));
    List<Row> rows = new ArrayList<>();
    List<BuildItem> builds = new ArrayList<>();
    List<ReleaseItem> releases = new ArrayList<>();
    List<Instant> buildTimes = new ArrayList<>();
    List<Instant> releaseTimes = new ArrayList<>();
    boolean anyRunning = false;
    for (AppData a : apps) {
      List<Cell> cells = new ArrayList<>();
      for (String env : envs) {
        List<ReleaseRecord> history = a.histories().get(env);
        Cell c = cell(a.app(), env, history);
        anyRunning |= c.running() != null;
        cells.add(c);
        if (history != null) {
          Optional<ReleaseRecord> live = ReleaseHistory.live(history);
          for (ReleaseRecord r : history.subList(0, Math.min(RECENT, history.size()))) {
            ReleaseState s = ReleaseState.of(r, live);
            releases.add(
                new ReleaseItem(
                    a.app(),
                    env,
                    r.id(),
                    r.kind(),
                    r.version(),
                    s.word(),
                    s.css(),
                    r.who(),
                    Format.when(r.startedAt())));
            releaseTimes.add(r.startedAt());
          }
        }
      }
      rows.add(new Row(a.app(), cells));
      for (BuildView b : a.builds().subList(0, Math.min(RECENT, a.builds().size()))) {
        builds.add(
            new BuildItem(
                a.app(),
                b.version(),
                b.status().name(),
                Format.when(b.queuedAt()),
                Format.duration(b.startedAt(), b.finishedAt())));
        buildTimes.add(b.queuedAt());
      }
    }
    return new Home(
        List.copyOf(envs),
        rows,
        newest(builds, buildTimes),
        newest(releases, releaseTimes),
        anyRunning);
  }

  static Cell cell(String app, String env, List<ReleaseRecord> history) {
    if (history == null) {
      return new Cell(
          app,
          env,
          false,
          null,
          null,
          "undefined",
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          false);
    }
    Optional<ReleaseRecord> live = ReleaseHistory.live(history);
    Seen seen = SEEN.get(app + "/" + env);
    String hosts = null;
    boolean drift = false;
    if (live.isPresent() && seen != null) {
      drift = seen.drifted() > 0 || seen.unreachable() > 0;
      hosts =
          (seen.drifted() > 0
                  ? "DRIFT on " + seen.drifted() + " of " + seen.hosts() + " hosts"
                  : seen.unreachable() > 0
                      ? seen.unreachable() + " of " + seen.hosts() + " hosts unreachable"
                      : "all " + seen.hosts() + " hosts serve it")
              + " (read "
              + Format.when(seen.at())
              + ")";
    }
    if (history.isEmpty()) {
      return new Cell(
          app, env, true, null, null, "empty", null, null, null, null, null, null, null, null,
          hosts, drift);
    }
    ReleaseRecord last = history.get(0);
    ReleaseState state = ReleaseState.of(last, live);
    String running =
        state.running()
            ? (last.kind().equals(ReleaseRecord.ROLLBACK) ? "rolling back to " : "releasing ")
                + last.version()
                + ": "
                + state.word()
            : null;
    String css = state.running() ? "running" : state.css();
    return new Cell(
        app,
        env,
        true,
        live.map(ReleaseRecord::version).orElse(null),
        live.map(ReleaseRecord::id).orElse(null),
        css,
        state.word(),
        state.css(),
        last.id(),
        last.kind(),
        last.version(),
        last.who(),
        Format.when(last.startedAt()),
        running,
        hosts,
        drift);
  }

  /** The {@link #RECENT} items of {@code items} with the newest times, newest first. */
  private static <T> List<T> newest(List<T> items, List<Instant> times) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      order.add(i);
    }
    order.sort(
        Comparator.comparing(
                (Integer i) -> times.get(i), Comparator.nullsFirst(Comparator.naturalOrder()))
            .reversed());
    return order.stream().limit(RECENT).map(items::get).toList();
  }
}
