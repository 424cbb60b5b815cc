package dev.tarmac.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The service's REST API over HTTP; problem documents become {@link CliException}s. */
public final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI url;
  private final String token;
  // java.net.http only for the event stream: it starts a selector thread and loads ~225 classes,
  // which a one-request command does not need (docs/benchmarks.md, "Command line start")
  private HttpClient http;

  public ApiClient(URI url, String token) {
    this.url = url;
    this.token = token;
  }

  URI url() {
    return url;
  }

  boolean reachable() {
    try {
      HttpURLConnection c = open("GET", "/api/apps");
      c.getResponseCode();
      c.disconnect();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public JsonNode get(String path) {
    return json(exchange("GET", path, null));
  }

  public JsonNode delete(String path) {
    return json(exchange("DELETE", path, null));
  }

  public JsonNode post(String path, Object body) {
    return json(exchange("POST", path, body));
  }

  public JsonNode put(String path, Object body) {
    return json(exchange("PUT", path, body));
  }

  /** PUT of a body sent as it is (a YAML file), with its {@code contentType}. */
  public JsonNode putRaw(String path, String contentType, byte[] body) {
    return json(exchange("PUT", path, new Raw(contentType, body)));
  }

  private record Raw(String contentType, byte[] bytes) {}

  /** A text answer (a build log); a refusal as for JSON calls. */
  public String text(String path) {
    return new String(exchange("GET", path, null), UTF_8);
  }

  private static JsonNode json(byte[] body) {
    try {
      return body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
    } catch (IOException e) {
      throw new CliException(
          CliException.REMOTE, "the service answered with something that is not JSON");
    }
  }

  private HttpURLConnection open(String method, String path) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.resolve(path).toURL().openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(60_000);
    c.setRequestMethod(method);
    if (token != null) {
      c.setRequestProperty("Authorization", "Bearer " + token);
    }
    return c;
  }

  private synchronized HttpClient http() {
    if (http == null) {
      http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }
    return http;
  }

  /**
   * Reads a server-sent event stream, handing each event's JSON data to {@code onEvent}, until the
   * service ends it.
   */
  public void events(String path, java.util.function.Consumer<JsonNode> onEvent) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(url.resolve(path)).header("Accept", "text/event-stream");
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    HttpRequest request = builder.build();
    try {
      HttpResponse<java.util.stream.Stream<String>> response =
          http().send(request, HttpResponse.BodyHandlers.ofLines());
      if (response.statusCode() != 200) {
        throw new CliException(
            CliException.REMOTE, "the service answered " + response.statusCode() + " for " + path);
      }
      try (java.util.stream.Stream<String> lines = response.body()) {
        lines
            .filter(l -> l.startsWith("data:"))
            .forEach(
                l -> {
                  try {
                    onEvent.accept(JSON.readTree(l.substring(5).strip()));
                  } catch (IOException e) {
                    // not JSON: skip it
                  }
                });
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // the stream's lines throw UncheckedIOException ("closed") when the service goes away
      throw new CliException(CliException.UNREACHABLE, "lost the Tarmac service at " + url);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(1, "interrupted");
    }
  }

  /** The answer's body when it is a success; otherwise the problem document as a CliException. */
  private byte[] exchange(String method, String path, Object body) {
    int status;
    byte[] answer;
    try {
      HttpURLConnection c = open(method, path);
      if (body != null) {
        byte[] bytes = body instanceof Raw r ? r.bytes() : JSON.writeValueAsBytes(body);
        c.setDoOutput(true);
        c.setRequestProperty(
            "Content-Type", body instanceof Raw r ? r.contentType() : "application/json");
        c.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(bytes);
        }
      }
      status = c.getResponseCode();
      try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
        answer = in == null ? new byte[0] : in.readAllBytes();
      }
    } catch (ConnectException e) {
      throw new CliException(
          CliException.UNREACHABLE,
          "cannot reach the Tarmac service at "
              + url
              + "; start it with `tarmac serve` or set --url / TARMAC_URL");
    } catch (IOException e) {
      throw new CliException(
          CliException.UNREACHABLE,
          "the Tarmac service at " + url + " did not answer: " + e.getMessage());
    }
    if (status < 400) {
      return answer;
    }
    JsonNode problem;
    try {
      problem = answer.length == 0 ? JSON.nullNode() : JSON.readTree(answer);
    } catch (IOException e) {
      problem = JSON.nullNode();
    }
    String detail = problem.path("detail").asText("HTTP " + status);
    if (status == 401) {
      detail =
          (token == null
                  ? "no token was found for the service at "
                      + url
                      + " ("
                      + ClientOptions.defaultTokenFile()
                      + " does not exist)"
                  : "the service at " + url + " refused the token")
              + "; set --token or TARMAC_TOKEN to a token of the service: its first admin token"
              + " is the api-token file in its data directory (the default place is read when"
              + " TARMAC_DATA_DIR names it), and an admin makes more with `tarmac tokens create`";
    }
    int code =
        switch (status) {
          case 400 -> CliException.USAGE;
          case 401, 403 -> CliException.CONFIG;
          case 423 -> CliException.LOCKED;
          case 404 -> CliException.NOT_FOUND;
          default -> CliException.REMOTE;
        };
    throw new CliException(code, detail);
  }
}
