package dev.tarmac.builder.service;

import dev.tarmac.deploy.release.ReleaseHistory;
import dev.tarmac.deploy.release.ReleaseRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one rule for the word a release or rollback is shown with: the history API's {@code state}
 * (which {@code tarmac history} prints), the dashboard's history, release page and home matrix.
 *
 * <p>The store keeps a record {@code LIVE} once it went live ({@code rollback} chooses its target
 * among those; docs/architecture.md, "The release"), so {@code status} alone says "went live", not
 * "is live". Only the record live now ({@link ReleaseHistory#live}: the newest {@code LIVE} one) is
 * {@link #LIVE}; every older record that went live and was replaced by a later release or rollback
 * is {@link #SUPERSEDED}. The other statuses are shown as they are stored.
 */
public enum ReleaseState {
  PREPARING("PREPARING"),
  ACTIVATING("ACTIVATING"),
  LIVE("LIVE"),
  SUPERSEDED("superseded"),
  FAILED("FAILED"),
  ROLLED_BACK("ROLLED_BACK");

  private final String word;

  ReleaseState(String word) {
    this.word = word;
  }

  /** What people read: {@code LIVE}, {@code superseded}, {@code FAILED}, … */
  public String word() {
    return word;
  }

  /** A name for a style: {@code live}, {@code superseded}, {@code rolled-back}, … */
  public String css() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Still preparing or activating. */
  public boolean running() {
    return this == PREPARING || this == ACTIVATING;
  }

  /**
   * The state of {@code r} when {@code liveNow} is the environment's record live now (empty: none).
   */
  public static ReleaseState of(ReleaseRecord r, Optional<ReleaseRecord> liveNow) {
    return switch (r.status()) {
      case PREPARING -> PREPARING;
      case ACTIVATING -> ACTIVATING;
      case FAILED -> FAILED;
      case ROLLED_BACK -> ROLLED_BACK;
      case LIVE -> liveNow.isPresent() && liveNow.get().id() == r.id() ? LIVE : SUPERSEDED;
    };
  }

  /** The state of {@code r} in its environment's history, listed newest first. */
  public static ReleaseState of(ReleaseRecord r, List<ReleaseRecord> newestFirst) {
    return of(r, ReleaseHistory.live(newestFirst));
  }

  /** A history (newest first) with each record's state, in the same order. */
  public static List<ReleaseView> views(List<ReleaseRecord> newestFirst) {
    Optional<ReleaseRecord> live = ReleaseHistory.live(newestFirst);
    List<ReleaseView> out = new ArrayList<>(newestFirst.size());
    for (ReleaseRecord r : newestFirst) {
      out.add(new ReleaseView(r, of(r, live).word()));
    }
    return out;
  }
}
