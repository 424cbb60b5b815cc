package dev.tarmac.builder.auth;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's sign-in sessions, kept in the service's memory only (docs/dashboard.md): a
 * session id is 256 random bits, sent as an HttpOnly, SameSite=Strict cookie; the session holds the
 * token it was opened with (its name and hash, never its secret) and a per-session CSRF token that
 * every form carries. A session ends on sign-out, after {@link #IDLE} without a request, and as
 * soon as its token is revoked. A restart of the service signs everyone out.
 */
@ApplicationScoped
public class Sessions {
  public static final String COOKIE = "tarmac_session";
  public static final Duration IDLE = Duration.ofHours(8);

  /** Sessions one token may hold at once; signing in once more ends its least recently seen. */
  public static final int PER_TOKEN = 64;

  /** One signed-in browser. */
  public record Session(String id, Token token, String csrf, Instant lastSeen) {
    Session seen(Instant at) {
      return new Session(id, token, csrf, at);
    }

    /** Is {@code candidate} this session's CSRF token? Compared in constant time. */
    public boolean csrfMatches(String candidate) {
      return candidate != null
          && MessageDigest.isEqual(
              csrf.getBytes(StandardCharsets.US_ASCII),
              candidate.getBytes(StandardCharsets.US_ASCII));
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private Clock clock = Clock.systemUTC();

  /** For tests: a clock to move past the idle limit. */
  public void useClock(Clock c) {
    this.clock = c;
  }

  /**
   * Opens a session for a verified token. Sessions past the idle limit are forgotten here (a cookie
   * that never comes back would otherwise be kept for good), and a token already holding {@link
   * #PER_TOKEN} sessions loses its least recently seen one: signing in in a loop cannot grow the
   * heap (docs/dashboard.md, "Signing in and sessions").
   */
  public synchronized Session open(Token token) {
    Instant now = clock.instant();
    sessions.values().removeIf(s -> s.lastSeen().plus(IDLE).isBefore(now));
    List<Session> mine =
        sessions.values().stream()
            .filter(s -> s.token().name().equals(token.name()))
            .sorted(Comparator.comparing(Session::lastSeen))
            .toList();
    for (int i = 0; i <= mine.size() - PER_TOKEN; i++) {
      sessions.remove(mine.get(i).id());
    }
    Session s = new Session(randomId(), token, randomId(), now);
    sessions.put(s.id(), s);
    return s;
  }

  /**
   * The live session with this id whose token {@code stillValid} confirms, or empty (unknown,
   * expired, or its token revoked: then it is forgotten).
   */
  public Optional<Session> find(String id, java.util.function.Predicate<Token> stillValid) {
    if (id == null) {
      return Optional.empty();
    }
    Session s = sessions.get(id);
    if (s == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    if (s.lastSeen().plus(IDLE).isBefore(now) || !stillValid.test(s.token())) {
      sessions.remove(id);
      return Optional.empty();
    }
    // only a session still held is marked seen: one signed out or evicted meanwhile stays gone
    return Optional.ofNullable(sessions.computeIfPresent(id, (k, held) -> held.seen(now)));
  }

  public void close(String id) {
    if (id != null) {
      sessions.remove(id);
    }
  }

  /** How many sessions are held now (for tests and the heap's sake). */
  public int count() {
    return sessions.size();
  }

  private static String randomId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
