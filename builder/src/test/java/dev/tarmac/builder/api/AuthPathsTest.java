package dev.tarmac.builder.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request lines sent byte for byte (no client normalises them) to find a path that reaches a
 * resource without a token or a session (docs/api.md, "Authentication, roles and tokens"): encoded
 * and doubled slashes, matrix parameters, dot segments, trailing slashes, other methods, the {@code
 * /q/} and {@code /cdn/} prefixes. None may answer 200 or show what the resource says.
 */
@QuarkusTest
class AuthPathsTest {
  static Stream<String> requests() {
    return Stream.of(
        "GET /probe/unmarked",
        "GET /probe/unmarked/",
        "GET //probe/unmarked",
        "GET /probe//unmarked",
        "GET /probe;x=1/unmarked",
        "GET /probe/unmarked;x=1",
        "GET /probe/%75nmarked",
        "GET /probe/./unmarked",
        "GET /x/../probe/unmarked",
        "GET /cdn/../probe/unmarked",
        "GET /cdn/a/..%2F..%2Fprobe%2Funmarked",
        "GET /cdn/a/%2E%2E/%2E%2E/probe/unmarked",
        "HEAD /probe/unmarked",
        "OPTIONS /probe/unmarked",
        "OPTIONS /probe/unmarked/",
        "OPTIONS /",
        "OPTIONS /apps/configured",
        "OPTIONS /cdn/configured/app.0123456789ab.css",
        "OPTIONS /api/hooks/configured",
        "OPTIONS /api/store/apps/x",
        "GET //api/apps",
        "GET /api;x=1/apps",
        "GET /%61pi/apps",
        "GET /API/apps",
        "GET /api/apps/",
        "GET /api//apps",
        "GET /api/hooks/../apps",
        "GET /api/hooks/..%2Fapps",
        "GET /api/store/%2E%2E/apps",
        "GET /api/store/..;/apps",
        "GET /cdn/../api/apps",
        "GET /cdn/a/..%2F..%2Fapi%2Fapps",
        "GET /signin/../api/apps",
        "OPTIONS /api/apps",
        "HEAD /api/apps",
        "GET /q/metrics",
        "GET //q/metrics",
        "GET /q/../q/metrics",
        "GET /q/health/../metrics",
        "GET /q/health/..%2Fmetrics",
        "GET /q/openapi",
        "GET /%71/openapi");
  }

  @ParameterizedTest
  @MethodSource("requests")
  void noPathAnswersWithoutAToken(String request) throws Exception {
    String answer = send(request);
    String status = answer.lines().findFirst().orElse("");
    assertThat(status).as(request).doesNotContain(" 200 ").doesNotContain(" 204 ");
    assertThat(answer).as(request).doesNotContainIgnoringCase("\nAllow:");
    assertThat(answer)
        .as(request)
        .doesNotContain("this should never reach")
        .doesNotContain("\"name\"")
        .doesNotContain("openapi:")
        .doesNotContain("jvm_");
  }

  private static String send(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", RestAssured.port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          (request + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      in.transferTo(got);
      return got.toString(StandardCharsets.UTF_8);
    }
  }
}
