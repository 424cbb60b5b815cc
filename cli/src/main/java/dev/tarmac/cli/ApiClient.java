package dev.tarmac.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The service's REST API over HTTP; problem documents become {@link CliException}s. */
public final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI url;
  private final String token;

  public ApiClient(URI url, String token) {
    this.url = url;
    this.token = token;
  }

  URI url() {
    return url;
  }

  boolean reachable() {
    try {
      http.send(
          HttpRequest.newBuilder(url.resolve("/api/apps")).build(),
          HttpResponse.BodyHandlers.discarding());
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public JsonNode get(String path) {
    return send(HttpRequest.newBuilder(url.resolve(path)).GET());
  }

  public JsonNode delete(String path) {
    return send(HttpRequest.newBuilder(url.resolve(path)).DELETE());
  }

  public JsonNode post(String path, Object body) {
    return sendJson("POST", path, body);
  }

  public JsonNode put(String path, Object body) {
    return sendJson("PUT", path, body);
  }

  private JsonNode sendJson(String method, String path, Object body) {
    try {
      return send(
          HttpRequest.newBuilder(url.resolve(path))
              .header("Content-Type", "application/json")
              .method(
                  method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
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
          http.send(request, HttpResponse.BodyHandlers.ofLines());
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

  /** A text answer (a build log); a refusal as for JSON calls. */
  public String text(String path) {
    return new String(exchange(HttpRequest.newBuilder(url.resolve(path)).GET()), UTF_8);
  }

  private JsonNode send(HttpRequest.Builder request) {
    byte[] body = exchange(request);
    try {
      return body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
    } catch (IOException e) {
      throw new CliException(
          CliException.REMOTE, "the service answered with something that is not JSON");
    }
  }

  /** The answer's body when it is a success; otherwise the problem document as a CliException. */
  private byte[] exchange(HttpRequest.Builder request) {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<byte[]> response;
    try {
      response =
          http.send(
              request.timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(1, "interrupted");
    }
    int status = response.statusCode();
    if (status < 400) {
      return response.body();
    }
    JsonNode body;
    try {
      body = response.body().length == 0 ? JSON.nullNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      body = JSON.nullNode();
    }
    String detail = body.path("detail").asText("HTTP " + status);
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
