package dev.tarmac.builder.web;

import dev.tarmac.builder.service.DeliveryFigures;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.PhaseRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The dashboard's charts as SVG text, drawn on the server so a page needs no JavaScript
 * (docs/dashboard.md): a release's timeline (one row per host, one labelled bar per task coloured
 * by its state, the activation window marked, a time axis) and the deployments and failed changes
 * per day (dates on the x axis, a scale, a legend, each count written above its bar). Their colours
 * come from the dashboard's stylesheet (the pages' CSP allows no inline style). Pure: every name in
 * them is escaped here.
 */
public final class Charts {
  static final int WIDTH = 1200;
  static final int LABEL = 160;
  static final int RIGHT = 16;
  static final int ROW = 30;

  /**
   * The timeline's top: the phases' strip (2–38, two lines of names), the activation window's
   * label, then the rows.
   */
  static final int TOP = 62;

  static final int STRIP = 40;
  static final int AXIS = 30;

  /** Per-day chart: the plot's height and where it starts. */
  static final int BARS = 140;

  static final int BARS_TOP = 34;
  static final int BARS_LEFT = 44;

  /** An estimate of an 11 px sans-serif character's width, to know whether a label fits. */
  static final double CHAR = 6.6;

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMM", Locale.ROOT);

  private Charts() {}

  /**
   * The timeline of a release as a Gantt chart: x is time from its start to its end (or {@code now}
   * while it runs); the run's phases (prepare, barrier, activate, finish; switch back, cancel) as
   * shaded bands behind every row, named in a strip above them; each host a row (a host with no
   * task yet says so), each task a bar named on it or beside it when there is room (green done, red
   * failed, blue still running; its name, host and duration in its tooltip as well); the activation
   * window (first switch started → last switch finished) a labelled band across all rows; and a
   * time axis with units. The same picture during the run (phases and tasks from its events, {@link
   * LiveRelease}) and after (from the record).
   */
  public static String timeline(ReleaseRecord r, Instant now) {
    List<HostRecord> hosts = r.hosts() == null ? List.of() : r.hosts();
    Instant t0 = r.startedAt();
    Instant t1 = r.finishedAt() != null ? r.finishedAt() : now;
    for (HostRecord h : hosts) {
      for (TaskRecord t : tasks(h)) {
        if (t.finishedAt() != null && t.finishedAt().isAfter(t1)) {
          t1 = t.finishedAt();
        }
      }
    }
    double span = Math.max(1, Duration.between(t0, t1).toMillis());
    double plot = WIDTH - LABEL - RIGHT;
    int rows = Math.max(1, hosts.size());
    int bottom = TOP + ROW * rows;
    int height = bottom + AXIS;
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 %d %d\""
                + " role=\"img\" aria-labelledby=\"timeline-%d-title\"><title"
                + " id=\"timeline-%d-title\">Timeline of %s #%d: %d hosts over %s%s%s</title>",
            WIDTH,
            height,
            r.id(),
            r.id(),
            Html.escape(r.kind()),
            r.id(),
            hosts.size(),
            Format.seconds(span / 1000),
            phaseWords(r.phases(), t0, t1),
            r.activationWindowMs() == null
                ? ""
                : ", activation window " + r.activationWindowMs() + " ms"));
    phases(svg, r.phases(), t0, t1, span, plot, bottom);
    // the time axis: grid lines and labels at a round step
    long step = step(span);
    for (long ms = 0; ms <= span; ms += step) {
      double x = LABEL + plot * ms / span;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/><text"
                  + " class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>",
              x,
              TOP - 4,
              x,
              bottom,
              x,
              bottom + 18,
              ms == 0 ? "start" : x > WIDTH - 40 ? "end" : "middle",
              tick(ms, step)));
    }
    // the activation window
    Instant wStart = null;
    Instant wEnd = null;
    for (HostRecord h : hosts) {
      for (TaskRecord t : tasks(h)) {
        if (t.name() != null && t.name().startsWith("switch") && t.startedAt() != null) {
          wStart = wStart == null || t.startedAt().isBefore(wStart) ? t.startedAt() : wStart;
          Instant end = t.finishedAt() == null ? t1 : t.finishedAt();
          wEnd = wEnd == null || end.isAfter(wEnd) ? end : wEnd;
        }
      }
    }
    if (wStart != null) {
      double x = LABEL + plot * Duration.between(t0, wStart).toMillis() / span;
      double w = Math.max(2, plot * Duration.between(wStart, wEnd).toMillis() / span);
      String ms = r.activationWindowMs() == null ? "" : " " + r.activationWindowMs() + " ms";
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"window\" data-kind=\"activation-window\" x=\"%.1f\" y=\"%d\""
                  + " width=\"%.1f\" height=\"%d\"><title>activation window%s</title></rect>",
              x,
              TOP - 6,
              w,
              ROW * rows + 6,
              ms));
      svg.append(
          String.format(
              Locale.ROOT,
              "<text class=\"window-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">activation"
                  + " window%s</text>",
              x > WIDTH / 2.0 ? x + w : x,
              TOP - 10,
              x > WIDTH / 2.0 ? "end" : "start",
              ms));
    }
    int row = 0;
    for (HostRecord h : hosts) {
      int y = TOP + row * ROW;
      svg.append("<g class=\"host\" data-host=\"")
          .append(Html.escape(h.name()))
          .append("\">")
          .append(
              String.format(
                  Locale.ROOT,
                  "<text class=\"host-name\" x=\"4\" y=\"%d\">%s</text>",
                  y + 19,
                  Html.escape(clip(h.name(), (int) ((LABEL - 8) / CHAR)))));
      List<TaskRecord> tasks =
          tasks(h).stream()
              .filter(t -> t.startedAt() != null)
              .sorted(Comparator.comparing(TaskRecord::startedAt))
              .toList();
      if (tasks.isEmpty()) {
        svg.append(
            String.format(
                Locale.ROOT,
                "<text class=\"waiting\" x=\"%d\" y=\"%d\">waiting</text>",
                LABEL + 4,
                y + 19));
      }
      for (int i = 0; i < tasks.size(); i++) {
        TaskRecord t = tasks.get(i);
        Instant end = t.finishedAt() == null ? t1 : t.finishedAt();
        double x = LABEL + plot * Duration.between(t0, t.startedAt()).toMillis() / span;
        double w = Math.max(2, plot * Duration.between(t.startedAt(), end).toMillis() / span);
        String cls = t.finishedAt() == null ? "running" : t.ok() ? "ok" : "failed";
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"task %s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
                    + "<title>%s: %s%s</title></rect>",
                cls,
                x,
                y + 4,
                w,
                ROW - 8,
                Html.escape(h.name()),
                Html.escape(t.name()),
                t.finishedAt() == null
                    ? " (running)"
                    : (t.ok() ? "" : " (failed)")
                        + " "
                        + Duration.between(t.startedAt(), end).toMillis()
                        + " ms"));
        // the task's name on its bar, or beside it up to the next bar, when it fits
        double need = CHAR * (t.name() == null ? 0 : t.name().length()) + 6;
        double room =
            i + 1 < tasks.size()
                ? LABEL
                    + plot * Duration.between(t0, tasks.get(i + 1).startedAt()).toMillis() / span
                : WIDTH - RIGHT;
        if (w >= need) {
          svg.append(label("on-bar " + cls, x + 3, y + 19, t.name()));
        } else if (room - (x + w) >= need) {
          svg.append(label("beside", x + w + 3, y + 19, t.name()));
        }
      }
      svg.append("</g>");
      row++;
    }
    return svg.append("</svg>").toString();
  }

  /**
   * The phases as bands from the strip down to the last row, each named in the strip (below); every
   * name and time is in the band's tooltip and the chart's title as well.
   */
  private static void phases(
      StringBuilder svg,
      List<PhaseRecord> phases,
      Instant t0,
      Instant t1,
      double span,
      double plot,
      int bottom) {
    if (phases == null || phases.isEmpty()) {
      return;
    }
    List<String> named = new ArrayList<>();
    List<Double> xs = new ArrayList<>();
    int i = 0;
    for (PhaseRecord p : phases) {
      if (p == null || p.name() == null || p.startedAt() == null) {
        continue;
      }
      Instant end = p.finishedAt() == null ? t1 : p.finishedAt();
      double x = LABEL + plot * clampMs(Duration.between(t0, p.startedAt()), span) / span;
      double w = Math.max(2, plot * clampMs(Duration.between(p.startedAt(), end), span) / span);
      String css = p.name().replaceAll("[^a-z]+", "-");
      String title =
          p.name()
              + ": "
              + tick(Duration.between(t0, p.startedAt()).toMillis(), 1)
              + " to "
              + tick(Duration.between(t0, end).toMillis(), 1)
              + " ("
              + Format.seconds(Duration.between(p.startedAt(), end).toMillis() / 1000.0)
              + (p.finishedAt() == null ? ", running" : "")
              + ")";
      svg.append(
          String.format(
              Locale.ROOT,
              "<g class=\"phase phase-%s\" data-phase=\"%s\"><rect class=\"phase-band band-%d\""
                  + " x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/><rect"
                  + " class=\"phase-strip\" x=\"%.1f\" y=\"2\" width=\"%.1f\" height=\"%d\"/>"
                  + "<title>%s</title>",
              css,
              Html.escape(p.name()),
              i % 2,
              x,
              2,
              w,
              bottom - 2,
              x,
              w,
              STRIP - 4,
              Html.escape(title)));
      svg.append("</g>");
      named.add(p.name());
      xs.add(x);
      i++;
    }
    // the names, placed from the last phase back: each at its band's start, or further left when
    // the names after it need the room (the barrier, activate and finish of a long prepare are
    // a few pixels apart at its end), but never more than 150 px before its band; on the first of
    // the strip's two lines where it fits
    double[] ats = new double[named.size()];
    int[] lines = new int[named.size()];
    double[] limits = {WIDTH - RIGHT, WIDTH - RIGHT};
    for (int k = named.size() - 1; k >= 0; k--) {
      double need = CHAR * named.get(k).length() + 6;
      lines[k] = -1;
      for (int line = 0; line < limits.length; line++) {
        double at = Math.min(xs.get(k) + 3, limits[line] - need);
        if (at >= LABEL && at + need >= xs.get(k) - 150) {
          ats[k] = at;
          lines[k] = line;
          limits[line] = at - 6;
          break;
        }
      }
    }
    svg.append("<g class=\"phase-labels\">");
    for (int k = 0; k < named.size(); k++) {
      if (lines[k] >= 0) {
        svg.append(
            String.format(
                Locale.ROOT,
                "<text class=\"phase-label\" x=\"%.1f\" y=\"%d\">%s</text>",
                ats[k],
                15 + 16 * lines[k],
                Html.escape(named.get(k))));
      }
    }
    svg.append("</g>");
  }

  /** " in 4 phases: prepare 4.2 s, barrier 0.0 s, …" for the chart's title; empty without. */
  private static String phaseWords(List<PhaseRecord> phases, Instant t0, Instant t1) {
    if (phases == null || phases.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder(", phases");
    String sep = " ";
    for (PhaseRecord p : phases) {
      if (p == null || p.name() == null || p.startedAt() == null) {
        continue;
      }
      Instant end = p.finishedAt() == null ? t1 : p.finishedAt();
      out.append(sep)
          .append(Html.escape(p.name()))
          .append(' ')
          .append(Format.seconds(Duration.between(p.startedAt(), end).toMillis() / 1000.0))
          .append(p.finishedAt() == null ? " so far" : "");
      sep = ", ";
    }
    return out.toString();
  }

  private static double clampMs(Duration d, double span) {
    return Math.max(0, Math.min(span, d.toMillis()));
  }

  private static String label(String cls, double x, int y, String text) {
    return String.format(
        Locale.ROOT,
        "<text class=\"task-label %s\" x=\"%.1f\" y=\"%d\">%s</text>",
        cls,
        x,
        y,
        Html.escape(text));
  }

  /** A round step of the time axis giving at most about 10 ticks over {@code spanMs}. */
  static long step(double spanMs) {
    long[] steps = {
      100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
      900_000, 1_800_000, 3_600_000
    };
    for (long s : steps) {
      if (spanMs / s <= 10) {
        return s;
      }
    }
    return (long) Math.ceil(spanMs / 10 / 3_600_000) * 3_600_000;
  }

  /** {@code 0 s}, {@code 0.5 s}, {@code 15 s}, {@code 2 min}, {@code 1 min 30 s}, {@code 2 h}. */
  static String tick(long ms, long step) {
    if (ms == 0) {
      return "0 s";
    }
    if (step < 1000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    if (ms < 60_000) {
      return ms / 1000 + " s";
    }
    if (ms < 3_600_000 || ms % 3_600_000 != 0) {
      long min = ms / 60_000;
      long s = ms / 1000 % 60;
      return min + " min" + (s == 0 ? "" : " " + s + " s");
    }
    return ms / 3_600_000 + " h";
  }

  /** A bar of the per-day chart: a day, or a week on a chart of more than 45 days. */
  record Bin(LocalDate from, LocalDate to, int deployments, int failures) {}

  static List<Bin> bins(List<DeliveryFigures.Day> days) {
    int size = days.size() > 45 ? 7 : 1;
    List<Bin> out = new ArrayList<>();
    // weeks counted back from the newest day, so the last bar ends today
    int first = days.size() % size == 0 ? 0 : days.size() % size - size;
    for (int i = first; i < days.size(); i += size) {
      int deployed = 0;
      int failed = 0;
      for (int j = Math.max(0, i); j < i + size; j++) {
        deployed += days.get(j).deployments();
        failed += days.get(j).failures();
      }
      out.add(
          new Bin(
              days.get(Math.max(0, i)).date(), days.get(i + size - 1).date(), deployed, failed));
    }
    return out;
  }

  /**
   * Deployments (green) and failed changes (red) per day — per week when there are more than 45
   * days — as bars side by side: dates under them, a scale on the left, a legend, and each count
   * written above its bar.
   */
  public static String perDay(List<DeliveryFigures.Day> days) {
    List<Bin> bins = bins(days);
    boolean weeks = bins.size() < days.size();
    int max = 0;
    int deployed = 0;
    int failed = 0;
    for (Bin b : bins) {
      max = Math.max(max, Math.max(b.deployments(), b.failures()));
      deployed += b.deployments();
      failed += b.failures();
    }
    int tickStep = max <= 5 ? 1 : (int) Math.ceil(max / 4.0);
    int top = Math.max(1, max <= 5 ? max : tickStep * 4);
    int height = BARS_TOP + BARS + 30;
    double plot = WIDTH - BARS_LEFT - RIGHT;
    String what =
        String.format(
            Locale.ROOT,
            "Deployments and failed changes per %s over %d days: %d deployed, %d failed",
            weeks ? "week" : "day",
            days.size(),
            deployed,
            failed);
    StringBuilder svg =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"per-day\" viewBox=\"0 0 %d %d\""
                    + " role=\"img\" aria-label=\"%s\"><title>%s</title>",
                WIDTH,
                height,
                what,
                what));
    // the legend
    svg.append(
        String.format(
            Locale.ROOT,
            "<g class=\"legend\"><rect class=\"ok key\" x=\"%d\" y=\"6\" width=\"12\" height=\"12\"/>"
                + "<text x=\"%d\" y=\"17\">deployments</text><rect class=\"failed key\" x=\"%d\""
                + " y=\"6\" width=\"12\" height=\"12\"/><text x=\"%d\" y=\"17\">failed"
                + " changes</text><text class=\"unit\" x=\"%d\" y=\"17\""
                + " text-anchor=\"end\">per %s, UTC</text></g>",
            BARS_LEFT,
            BARS_LEFT + 18,
            BARS_LEFT + 120,
            BARS_LEFT + 138,
            WIDTH - RIGHT,
            weeks ? "week (7 days to the date shown)" : "day"));
    // the scale
    int bottom = BARS_TOP + BARS;
    for (int v = 0; v <= top; v += tickStep) {
      double y = bottom - (double) BARS * v / top;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line class=\"%s\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/><text class=\"tick\""
                  + " x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>",
              v == 0 ? "axis" : "grid",
              BARS_LEFT,
              y,
              WIDTH - RIGHT,
              y,
              BARS_LEFT - 6,
              y + 4,
              v));
    }
    if (deployed + failed == 0) {
      svg.append(
          String.format(
              Locale.ROOT,
              "<text class=\"empty\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">no deployment and"
                  + " no failed change in these %d days</text>",
              BARS_LEFT + plot / 2,
              BARS_TOP + BARS / 2,
              days.size()));
    }
    double gw = plot / Math.max(1, bins.size());
    double bw = Math.max(1, Math.min(28, gw * 0.4));
    int every = (int) Math.ceil(bins.size() / 10.0);
    for (int i = 0; i < bins.size(); i++) {
      Bin b = bins.get(i);
      double x = BARS_LEFT + i * gw + gw / 2 - bw;
      String when = weeks ? b.from() + " to " + b.to() : b.to().toString();
      bar(
          svg,
          "ok",
          x,
          bw,
          b.deployments(),
          top,
          bottom,
          when + ": " + b.deployments() + " deployed");
      bar(
          svg,
          "failed",
          x + bw,
          bw,
          b.failures(),
          top,
          bottom,
          when + ": " + b.failures() + " failed");
      if ((bins.size() - 1 - i) % every == 0) {
        svg.append(
            String.format(
                Locale.ROOT,
                "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                BARS_LEFT + i * gw + gw / 2,
                bottom + 18,
                DAY.format(b.to())));
      }
    }
    return svg.append("</svg>").toString();
  }

  private static void bar(
      StringBuilder svg, String cls, double x, double w, int n, int top, int bottom, String title) {
    if (n == 0) {
      return;
    }
    double bh = (double) BARS * n / top;
    svg.append(
        String.format(
            Locale.ROOT,
            "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%s</title></rect>"
                + "<text class=\"count\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>",
            cls,
            x,
            bottom - bh,
            Math.max(1, w - 1),
            bh,
            Html.escape(title),
            x + w / 2,
            bottom - bh - 4,
            n));
  }

  private static String clip(String s, int chars) {
    return s == null || s.length() <= chars ? s : s.substring(0, Math.max(1, chars - 1)) + "…";
  }

  private static List<TaskRecord> tasks(HostRecord h) {
    return h.tasks() == null ? List.of() : h.tasks().stream().filter(Objects::nonNull).toList();
  }
}
