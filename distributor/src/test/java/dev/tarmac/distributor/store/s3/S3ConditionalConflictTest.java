package dev.tarmac.distributor.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoreException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * AWS S3 answers a conditional PUT with 409 ConditionalRequestConflict while another conditional
 * write to the same key is in progress, and asks the client to try again; MinIO and S3Proxy never
 * do (they answer 412 or succeed), so no server that runs here can produce it. This loopback
 * endpoint answers PUTs with the status codes AWS documents, in the order each test gives, and the
 * real S3 client of the store talks to it (docs/configuration.md, "S3 servers differ").
 */
class S3ConditionalConflictTest {
  private HttpServer server;
  private final List<String> conditions = Collections.synchronizedList(new ArrayList<>());
  private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** Answers the n-th PUT with {@code statuses[n]} (the last one repeats). */
  private S3ArtifactStore storeAnswering(int... statuses) throws IOException {
    AtomicInteger puts = new AtomicInteger();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!"PUT".equals(exchange.getRequestMethod())) {
              reply(exchange, 501, "NotImplemented");
              return;
            }
            conditions.add(String.valueOf(exchange.getRequestHeaders().getFirst("If-None-Match")));
            bodies.add(new String(body, StandardCharsets.UTF_8));
            int status = statuses[Math.min(puts.getAndIncrement(), statuses.length - 1)];
            switch (status) {
              case 200 -> {
                exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
                exchange.sendResponseHeaders(200, -1);
              }
              case 409 -> reply(exchange, 409, "ConditionalRequestConflict");
              case 412 -> reply(exchange, 412, "PreconditionFailed");
              default -> reply(exchange, status, "InternalError");
            }
          }
        });
    server.start();
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    return new S3ArtifactStore(
        new S3Settings(endpoint, "us-east-1", "tarmac", "access-key", "secret-key"));
  }

  private static void reply(HttpExchange exchange, int status, String code) throws IOException {
    byte[] xml =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                + code
                + "</Code><Message>answered by the test</Message><Key>k/lock</Key>"
                + "<RequestId>1</RequestId><HostId>1</HostId></Error>")
            .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/xml");
    exchange.sendResponseHeaders(status, xml.length);
    exchange.getResponseBody().write(xml);
  }

  @Test
  void aConflictingConditionalWriteIsTriedAgainAndThenSucceeds() throws Exception {
    S3ArtifactStore store = storeAnswering(409, 409, 200);

    store.putIfAbsent("k/lock", "mine".getBytes(StandardCharsets.UTF_8));

    assertThat(conditions).containsExactly("*", "*", "*");
    assertThat(bodies).containsExactly("mine", "mine", "mine");
  }

  @Test
  void aConflictFollowedByPreconditionFailedIsTheOtherWritersWin() throws Exception {
    S3ArtifactStore store = storeAnswering(409, 412);

    assertThatThrownBy(() -> store.putIfAbsent("k/lock", "mine".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(StoreConflictException.class)
        .hasMessageContaining("k/lock");
    assertThat(conditions).hasSize(2);
  }

  @Test
  void aConflictThatLastsFailsAfterTheLastAttemptNamingTheKey() throws Exception {
    S3ArtifactStore store = storeAnswering(409);

    assertThatThrownBy(() -> store.putIfAbsent("k/lock", "mine".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(StoreException.class)
        .isNotInstanceOf(StoreConflictException.class)
        .hasMessageContaining("k/lock")
        .hasMessageContaining("ConditionalRequestConflict");
    assertThat(conditions).hasSize(S3ArtifactStore.CONFLICT_ATTEMPTS);
  }
}
