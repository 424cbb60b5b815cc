package dev.tarmac.builder.auth;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The event streams open now, each with the token and the dashboard session that opened it. A
 * stream is checked once, when it opens, like any request; without this, one opened before its
 * token was revoked went on until the release it follows ended. So a stream ends as soon as its
 * token is revoked ({@link TokenStore#onRevoke}) or its session ends ({@link Sessions#onEnd}: sign
 * out, idle, pushed out by a newer one), and one that opens while that happens ends at once. Every
 * stream of the service goes through {@link #follow} (the API's and the dashboard's release
 * events).
 */
@ApplicationScoped
public class OpenStreams {
  @Inject TokenStore tokens;
  @Inject Sessions sessions;

  /** One open stream; {@code session} null for a bearer token. */
  private record Open(String token, String sha256, String session, Runnable end) {}

  private final Set<Open> open = ConcurrentHashMap.newKeySet();

  @PostConstruct
  void listen() {
    tokens.onRevoke(t -> end(o -> o.token().equals(t.name()) && o.sha256().equals(t.sha256())));
    sessions.onEnd(id -> end(o -> id.equals(o.session())));
  }

  /**
   * {@code events} for the caller of this request, ended early when its token is revoked or its
   * session ends. Call it on the request's thread (it reads the caller then).
   */
  public <T> Multi<T> follow(Caller caller, Multi<T> events) {
    Token token = caller.token();
    String session = caller.session().map(Sessions.Session::id).orElse(null);
    return Multi.createFrom()
        .emitter(
            emitter -> {
              AtomicBoolean ended = new AtomicBoolean();
              AtomicReference<Cancellable> upstream = new AtomicReference<>();
              Open o = new Open(token.name(), token.sha256(), session, emitter::complete);
              emitter.onTermination(
                  () -> {
                    ended.set(true);
                    open.remove(o);
                    cancel(upstream.get());
                  });
              open.add(o);
              // revoked or signed out between the request's check and now: no listener saw it
              if (!tokens.stillValid(token) || (session != null && !sessions.isOpen(session))) {
                emitter.complete();
                return;
              }
              upstream.set(
                  events.subscribe().with(emitter::emit, emitter::fail, emitter::complete));
              if (ended.get()) {
                cancel(upstream.get());
              }
            });
  }

  /** How many streams are open (for tests). */
  public int count() {
    return open.size();
  }

  private void end(Predicate<Open> which) {
    List<Open> ending = open.stream().filter(which).toList();
    ending.forEach(o -> o.end().run());
  }

  private static void cancel(Cancellable c) {
    if (c != null) {
      c.cancel();
    }
  }
}
