package dev.tarmac.builder.auth;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The dashboard's sign-in sessions, kept in the service's memory only (docs/dashboard.md): a
 * session id is 256 random bits, sent as an HttpOnly, SameSite=Strict cookie; the session holds the
 * token it was opened with (its name and hash, never its secret) and a per-session CSRF token that
 * every form carries. A session ends on sign-out, after {@link #IDLE} without a request, and as
 * soon as its token is revoked; its open event streams end with it ({@link OpenStreams}). A restart
 * of the service signs everyone out.
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
  private final List<Consumer<String>> onEnd = new CopyOnWriteArrayList<>();
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
  public Session open(Token token) {
    List<String> ended = new ArrayList<>();
    Session s = open(token, ended);
    ended.forEach(this::ended);
    return s;
  }

  private synchronized Session open(Token token, List<String> ended) {
    Instant now = clock.instant();
    sessions.values().stream()
        .filter(s -> s.lastSeen().plus(IDLE).isBefore(now))
        .map(Session::id)
        .forEach(ended::add);
    List<Session> mine =
        sessions.values().stream()
            .filter(s -> s.token().name().equals(token.name()))
            .filter(s -> !ended.contains(s.id()))
            .sorted(Comparator.comparing(Session::lastSeen))
            .toList();
    for (int i = 0; i <= mine.size() - PER_TOKEN; i++) {
      ended.add(mine.get(i).id());
    }
    ended.forEach(sessions::remove);
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
      if (sessions.remove(id) != null) {
        ended(id);
      }
      return Optional.empty();
    }
    // only a session still held is marked seen: one signed out or evicted meanwhile stays gone
    return Optional.ofNullable(sessions.computeIfPresent(id, (k, held) -> held.seen(now)));
  }

  /** Signs a session out; its open event streams end ({@link #onEnd}). */
  public void close(String id) {
    if (id != null && sessions.remove(id) != null) {
      ended(id);
    }
  }

  /** Is a session with this id held now (not signed out, pushed out or forgotten as idle)? */
  public boolean isOpen(String id) {
    return sessions.containsKey(id);
  }

  /** Tells {@code listener} the id of every session that ends from now on, once it is gone. */
  public void onEnd(Consumer<String> listener) {
    onEnd.add(listener);
  }

  private void ended(String id) {
    onEnd.forEach(l -> l.accept(id));
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
