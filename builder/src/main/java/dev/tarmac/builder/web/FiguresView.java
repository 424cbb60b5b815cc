package dev.tarmac.builder.web;

import dev.tarmac.builder.service.DeliveryFigures;
import java.util.Locale;

/** The delivery figures written for people. */
record FiguresView(
    int days,
    int deployments,
    String perDay,
    String leadTime,
    String changeFailureRate,
    String timeToRestore,
    int unrestored) {
  static FiguresView of(DeliveryFigures.Figures f) {
    return new FiguresView(
        f.days(),
        f.deployments(),
        String.format(Locale.ROOT, "%.2f", f.deploymentsPerDay()),
        f.leadTimeSeconds() == null ? "–" : Format.seconds(f.leadTimeSeconds().doubleValue()),
        f.changeFailureRate() == null
            ? "–"
            : String.format(Locale.ROOT, "%.0f %%", f.changeFailureRate() * 100),
        f.timeToRestoreSeconds() == null
            ? "–"
            : Format.seconds(f.timeToRestoreSeconds().doubleValue()),
        f.unrestored());
  }
}
