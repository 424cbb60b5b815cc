package dev.tarmac.builder.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.tarmac.builder.git.RepoUrls;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.distributor.store.StoreNotFoundException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps every error to an RFC 9457 problem document with one sentence that says what to do. */
public class Problems {
  public static final String TYPE = "application/problem+json";

  public static Response problem(int status, String title, String detail, String instance) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status);
    body.put("detail", RepoUrls.redact(detail));
    if (instance != null) {
      body.put("instance", instance);
    }
    return Response.status(status).type(TYPE).entity(body).build();
  }

  @ServerExceptionMapper
  public Response apiProblem(ApiProblem e, UriInfo uri) {
    Response r = problem(e.status(), e.title(), e.getMessage(), uri.getPath());
    if (e instanceof dev.tarmac.builder.service.StatusReads.Busy busy) {
      return Response.fromResponse(r).header("Retry-After", busy.retryAfterSeconds()).build();
    }
    return r;
  }

  /** A number or yes/no of the URL that is not one ({@link Params}): 400, not 404. */
  @ServerExceptionMapper
  public Response badParameter(Params.Refused e, UriInfo uri) {
    return problem(400, "Bad request", e.getMessage(), uri.getPath());
  }

  @ServerExceptionMapper
  public Response notInStore(StoreNotFoundException e, UriInfo uri) {
    return problem(404, "Not found", e.getMessage(), uri.getPath());
  }

  @ServerExceptionMapper
  public Response locked(dev.tarmac.deploy.release.LockedException e, UriInfo uri) {
    return problem(423, "Locked", e.getMessage(), uri.getPath());
  }

  @ServerExceptionMapper
  public Response neverLive(dev.tarmac.deploy.release.NeverLiveException e, UriInfo uri) {
    return problem(404, "Not found", e.getMessage(), uri.getPath());
  }

  @ServerExceptionMapper
  public Response config(dev.tarmac.deploy.config.ConfigException e, UriInfo uri) {
    return problem(400, "Invalid tarmac.yml", e.getMessage(), uri.getPath());
  }

  /** The release engine refused: nothing live yet, no earlier release, no backup… */
  @ServerExceptionMapper
  public Response refused(dev.tarmac.deploy.DeployException e, UriInfo uri) {
    return problem(409, "Conflict", e.getMessage(), uri.getPath());
  }

  @ServerExceptionMapper
  public Response invalid(IllegalArgumentException e, UriInfo uri) {
    return problem(400, "Bad request", e.getMessage(), uri.getPath());
  }

  /** A body that is not JSON, or JSON of the wrong shape (Jackson's own mappers answer empty). */
  @ServerExceptionMapper
  public Response badJson(JsonProcessingException e, UriInfo uri) {
    return problem(400, "Bad request", badJsonDetail(e), uri.getPath());
  }

  @ServerExceptionMapper
  public Response mismatchedJson(MismatchedInputException e, UriInfo uri) {
    return badJson(e, uri);
  }

  static String badJsonDetail(JsonProcessingException e) {
    String where =
        e.getLocation() == null
            ? ""
            : " (line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + ")";
    if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
      String field =
          m.getPath().stream()
              .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(java.util.stream.Collectors.joining("."));
      return "the body's field '"
          + field
          + "' has the wrong type"
          + where
          + expected(m)
          + "; see docs/api.md for the body this call takes";
    }
    // Jackson quotes the word it could not read: in a credential's body that is the secret
    // (docs/operations.md, "Private repositories": never in an answer)
    return "the body is not valid JSON"
        + where
        + ": "
        + e.getOriginalMessage().replaceFirst("^Unrecognized token '.*?': ", "an unquoted word: ")
        + "; send one JSON object as docs/api.md shows for this call";
  }

  /**
   * The type the field takes, never Jackson's own words: they quote the value sent, and in a
   * secret's body that is the secret (docs/configuration-and-secrets.md).
   */
  private static String expected(MismatchedInputException m) {
    Class<?> t = m.getTargetType();
    if (t == null) {
      return "";
    }
    String kind =
        java.util.Map.class.isAssignableFrom(t)
            ? "an object"
            : java.util.Collection.class.isAssignableFrom(t) || t.isArray()
                ? "a list"
                : t == String.class
                    ? "a string"
                    : t == Boolean.class || t == boolean.class
                        ? "true or false"
                        : Number.class.isAssignableFrom(t) || t.isPrimitive()
                            ? "a number"
                            : "an object";
    return ": expected " + kind;
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e, UriInfo uri) {
    int status = e.getResponse().getStatus();
    if (e.getCause() instanceof JsonProcessingException json) {
      return badJson(json, uri);
    }
    String detail =
        switch (status) {
          case 404 ->
              "there is nothing at " + uri.getPath() + "; see docs/api.md for the endpoints";
          case 405 -> "method not allowed on " + uri.getPath() + "; see docs/api.md";
          case 415 -> "send JSON (Content-Type: application/json)";
          default -> e.getMessage();
        };
    return problem(
        status, e.getResponse().getStatusInfo().getReasonPhrase(), detail, uri.getPath());
  }

  @ServerExceptionMapper(priority = 10000)
  public Response unexpected(Exception e, UriInfo uri) {
    Log.errorf("unexpected error on %s: %s", uri.getPath(), redactedTrace(e));
    return problem(
        500, "Internal error", e.toString() + " (the service log has the details)", uri.getPath());
  }

  /** The stack trace with every message redacted (a repository password must not reach a log). */
  static String redactedTrace(Throwable e) {
    StringBuilder out = new StringBuilder();
    java.util.Set<Throwable> seen = new java.util.HashSet<>();
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      out.append(t == e ? "" : "\nCaused by: ").append(RepoUrls.redact(t.toString()));
      for (StackTraceElement frame : t.getStackTrace()) {
        out.append("\n\tat ").append(frame);
      }
    }
    return out.toString();
  }
}
