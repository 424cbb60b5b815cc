package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;

class ApiClientTest {
  @Test
  void anUnreachableServiceSaysHowToStartIt() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ApiClient client = new ApiClient(URI.create("http://127.0.0.1:" + port), "t");

    assertThatThrownBy(() -> client.get("/api/apps"))
        .isInstanceOfSatisfying(
            CliException.class,
            e ->
                org.assertj.core.api.Assertions.assertThat(e.exitCode())
                    .isEqualTo(CliException.UNREACHABLE))
        .hasMessageContaining("cannot reach the Tarmac service at http://127.0.0.1:" + port)
        .hasMessageContaining("tarmac serve");
  }
}
