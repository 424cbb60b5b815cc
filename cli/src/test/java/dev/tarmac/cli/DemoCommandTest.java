package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's closing lines with {@code --keep} (DemoIT runs the demo without it). */
class DemoCommandTest {
  @Test
  void keptSaysWhereTheDashboardAndHostsAreAndHowItEnds() {
    Map<String, String> hosts = new LinkedHashMap<>();
    hosts.put("web1", "http://127.0.0.1:40001");
    hosts.put("web2", "http://127.0.0.1:40002");

    assertThat(
            DemoCommand.kept(Path.of("/src/tarmac/.tarmac-demo"), "http://127.0.0.1:40000", hosts))
        .containsExactly(
            "  the dashboard: http://127.0.0.1:40000/ (sign in with the token in"
                + " /src/tarmac/.tarmac-demo/service/api-token)",
            "  web1 serves http://127.0.0.1:40001 from /src/tarmac/.tarmac-demo/hosts/web1",
            "  web2 serves http://127.0.0.1:40002 from /src/tarmac/.tarmac-demo/hosts/web2",
            "  in another terminal: export TARMAC_URL=http://127.0.0.1:40000"
                + " TARMAC_DATA_DIR=/src/tarmac/.tarmac-demo/service; tarmac history demo --env"
                + " demo",
            "  Ctrl-C stops the service and the hosts' web servers, and ends the demo");
  }
}
