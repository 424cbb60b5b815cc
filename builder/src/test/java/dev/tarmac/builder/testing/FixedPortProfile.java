package dev.tarmac.builder.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * Runs the service on a port chosen before it starts, so {@code tarmac.public-url} (where hosts
 * download artifacts from) can name it: what releases to real hosts need.
 */
public class FixedPortProfile implements QuarkusTestProfile {
  private static final int PORT = freePort();

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "quarkus.http.test-port",
        Integer.toString(PORT),
        "tarmac.public-url",
        "http://127.0.0.1:" + PORT);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
