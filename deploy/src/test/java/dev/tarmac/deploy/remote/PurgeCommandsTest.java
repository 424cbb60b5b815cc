package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The purge a host sends, as an exact string, and run through sh against nothing listening. */
class PurgeCommandsTest {
  @Test
  void theExactCommand() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Purge-Version", "v2");
    headers.put("X-Note", "it's");
    assertThat(PurgeCommands.purge("PURGE", "http://127.0.0.1:6081/", headers).text())
        .isEqualTo(
            "code=$(curl --silent --show-error --max-time 10 --output /dev/null --write-out"
                + " '%{http_code}' --request PURGE --header 'X-Purge-Version: v2'"
                + " --header 'X-Note: it'\\''s' http://127.0.0.1:6081/ 2>&1) || true\n"
                + "case \"$code\" in 2??) echo \"$code\";; *) printf '%s %s answered %s\\n'"
                + " PURGE http://127.0.0.1:6081/ \"$code\" >&2; exit 1;; esac");
  }

  @Test
  void nothingListeningFailsNamingMethodAndUrl() throws Exception {
    Process p =
        new ProcessBuilder(
                "sh", "-c", PurgeCommands.purge("BAN", "http://127.0.0.1:9/x", Map.of()).text())
            .start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isEqualTo(1);
    assertThat(err)
        .startsWith("BAN http://127.0.0.1:9/x answered curl: (7)")
        .contains("Failed to connect");
  }
}
