package dev.tarmac.builder.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dashboard's sessions: random ids, idle limit, revoked tokens, CSRF tokens. */
class SessionsTest {
  static final Token ANN = new Token("ann", Role.VIEWER, List.of(), "aa", Instant.EPOCH);

  static Clock at(Instant t) {
    return Clock.fixed(t, ZoneOffset.UTC);
  }

  @Test
  void idsAndCsrfTokensAreRandomAndDistinct() {
    Sessions sessions = new Sessions();
    Sessions.Session a = sessions.open(ANN);
    Sessions.Session b = sessions.open(ANN);
    assertThat(a.id()).hasSize(64).isNotEqualTo(b.id()).isNotEqualTo(a.csrf());
    assertThat(a.csrf()).isNotEqualTo(b.csrf());
    assertThat(a.csrfMatches(a.csrf())).isTrue();
    assertThat(a.csrfMatches(b.csrf())).isFalse();
    assertThat(a.csrfMatches(null)).isFalse();
    assertThat(a.csrfMatches("")).isFalse();
  }

  @Test
  void aSessionEndsAfterTheIdleLimitAndEachRequestExtendsIt() {
    Instant t0 = Instant.parse("2026-11-27T10:00:00Z");
    Sessions sessions = new Sessions();
    sessions.useClock(at(t0));
    String id = sessions.open(ANN).id();
    sessions.useClock(at(t0.plus(Sessions.IDLE).minusSeconds(1)));
    assertThat(sessions.find(id, t -> true)).isPresent();
    // seen just now: another idle period from here
    sessions.useClock(at(t0.plus(Sessions.IDLE).plus(Duration.ofHours(7))));
    assertThat(sessions.find(id, t -> true)).isPresent();
    sessions.useClock(at(t0.plus(Sessions.IDLE.multipliedBy(3))));
    assertThat(sessions.find(id, t -> true)).isEmpty();
  }

  @Test
  void aRevokedTokenEndsTheSessionForGood() {
    Sessions sessions = new Sessions();
    String id = sessions.open(ANN).id();
    assertThat(sessions.find(id, t -> false)).isEmpty();
    // forgotten, even if the check would now pass
    assertThat(sessions.find(id, t -> true)).isEmpty();
  }

  /** Every way a session ends is told once, so its event streams end too (OpenStreams). */
  @Test
  void everyEndOfASessionIsToldOnce() {
    Instant t0 = Instant.parse("2026-11-27T10:00:00Z");
    Sessions sessions = new Sessions();
    sessions.useClock(at(t0));
    List<String> ended = new java.util.ArrayList<>();
    sessions.onEnd(ended::add);

    String signedOut = sessions.open(ANN).id();
    sessions.close(signedOut);
    sessions.close(signedOut);
    assertThat(ended).containsExactly(signedOut);
    assertThat(sessions.isOpen(signedOut)).isFalse();

    String revoked = sessions.open(ANN).id();
    sessions.find(revoked, t -> false);
    assertThat(ended).containsExactly(signedOut, revoked);

    String idle = sessions.open(ANN).id();
    sessions.useClock(at(t0.plus(Sessions.IDLE).plusSeconds(1)));
    String pushedOut = sessions.open(ANN).id();
    assertThat(ended).containsExactly(signedOut, revoked, idle);
    for (int i = 1; i <= Sessions.PER_TOKEN; i++) {
      sessions.useClock(at(t0.plus(Sessions.IDLE).plusSeconds(1 + i)));
      sessions.open(ANN);
    }
    assertThat(ended).containsExactly(signedOut, revoked, idle, pushedOut);
    assertThat(sessions.isOpen(pushedOut)).isFalse();
  }

  @Test
  void unknownAndClosedSessionsAreNone() {
    Sessions sessions = new Sessions();
    assertThat(sessions.find(null, t -> true)).isEmpty();
    assertThat(sessions.find("f".repeat(64), t -> true)).isEmpty();
    String id = sessions.open(ANN).id();
    sessions.close(id);
    assertThat(sessions.find(id, t -> true)).isEmpty();
  }

  /**
   * Sign-ins that are never signed out must not pile up in memory: a session past the idle limit is
   * forgotten when the next one opens (not only when its own cookie comes back, which it may
   * never), and one token holds at most {@link Sessions#PER_TOKEN} sessions — a script signing in
   * in a loop with a viewer token would otherwise grow the service's heap without bound.
   */
  @Test
  void signInsInALoopDoNotPileUp() {
    Instant t0 = Instant.parse("2026-11-27T10:00:00Z");
    Sessions sessions = new Sessions();
    sessions.useClock(at(t0));
    Token bob = new Token("bob", Role.VIEWER, List.of(), "bb", Instant.EPOCH);
    String bobs = sessions.open(bob).id();
    String first = sessions.open(ANN).id();
    for (int i = 0; i < 10_000; i++) {
      sessions.open(ANN);
    }
    assertThat(sessions.count()).isLessThanOrEqualTo(Sessions.PER_TOKEN + 1);
    // the least recently seen of that token went; another token's session stays
    assertThat(sessions.find(first, t -> true)).isEmpty();
    assertThat(sessions.find(bobs, t -> true)).isPresent();

    // idle ones are forgotten as soon as anyone signs in again
    sessions.useClock(at(t0.plus(Sessions.IDLE).plusSeconds(1)));
    sessions.open(bob);
    assertThat(sessions.count()).isEqualTo(1);
  }
}
