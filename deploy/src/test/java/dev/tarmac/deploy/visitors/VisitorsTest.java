package dev.tarmac.deploy.visitors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The load generator on its own: loopback only, failures counted, the window on the answers. */
class VisitorsTest {
  @Test
  void onlyLoopbackIsVisited() {
    assertThatThrownBy(
            () -> new Visitors(List.of(new InetSocketAddress("192.0.2.1", 80)), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only visit loopback addresses")
        .hasMessageContaining("192.0.2.1");
  }

  @Test
  void failuresAreCountedAndTheWindowIsMeasuredOnTheAnswers() throws Exception {
    AtomicReference<String> one = new AtomicReference<>("old");
    AtomicReference<String> two = new AtomicReference<>("old");
    HttpServer a = server(one, 200);
    HttpServer b = server(two, 200);
    HttpServer broken = server(new AtomicReference<>("oops"), 502);
    try (Visitors visitors =
        new Visitors(List.of(address(a), address(b), address(broken)), Duration.ofSeconds(20))) {
      Thread.sleep(200);
      long since = System.nanoTime();
      one.set("page of new");
      Thread.sleep(1000);
      long second = System.nanoTime();
      two.set("page of new");
      Thread.sleep(200);
      visitors.close();
      assertThat(visitors.failures())
          .isNotEmpty()
          .allMatch(f -> f.host() == 2 && f.status() == 502);
      // host 2 never answers the new version: no window across all three
      assertThat(visitors.window(body -> body.contains("new"), since)).isNull();
      List<java.util.OptionalLong> first =
          visitors.firstAnswer(body -> body.contains("new"), since);
      // on the answers: host 1 answered the new page only once it had it, host 0 before it
      assertThat(first.get(0).getAsLong()).isGreaterThanOrEqualTo(since);
      assertThat(first.get(1).getAsLong()).isGreaterThanOrEqualTo(second);
      assertThat(first.get(0).getAsLong()).isLessThan(first.get(1).getAsLong());
      assertThat(first.get(2)).isEmpty();
      assertThat(visitors.answers().stream().filter(x -> x.host() == 0).count()).isGreaterThan(5);
    } finally {
      a.stop(0);
      b.stop(0);
      broken.stop(0);
    }
  }

  /** A server answering 4 MiB: each answer kept is cut at {@link Visitors#MAX_ANSWER}. */
  @Test
  void aHugeAnswerIsKeptOnlyInPart() throws Exception {
    HttpServer big = server(new AtomicReference<>("x".repeat(4 * 1024 * 1024)), 200);
    try (Visitors visitors = new Visitors(List.of(address(big)), Duration.ofSeconds(20))) {
      Thread.sleep(500);
      visitors.close();
      assertThat(visitors.answers())
          .isNotEmpty()
          .allMatch(x -> x.body().length() < Visitors.MAX_ANSWER, "at most 64 KiB kept");
    } finally {
      big.stop(0);
    }
  }

  private static InetSocketAddress address(HttpServer s) {
    return new InetSocketAddress("127.0.0.1", s.getAddress().getPort());
  }

  private static HttpServer server(AtomicReference<String> body, int status) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext(
        "/",
        exchange -> {
          try (exchange) {
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, b.length);
            exchange.getResponseBody().write(b);
          }
        });
    s.start();
    return s;
  }
}
