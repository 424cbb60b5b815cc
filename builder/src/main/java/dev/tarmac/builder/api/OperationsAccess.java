package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.TokenStore;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Who may read the service's own endpoints under {@code /q/} (Quarkus serves them outside the REST
 * API, so {@link AuthFilter} does not see them): {@code /q/health} is open, for load balancers and
 * systemd-style watchdogs (it says UP or DOWN, the name of each check and the store kind, nothing
 * else); everything else there ({@code /q/metrics}, {@code /q/openapi}, …) needs a token of any
 * role, as an API read does. See docs/operations.md.
 */
@ApplicationScoped
public class OperationsAccess {
  @Inject TokenStore tokens;

  @ConfigProperty(name = "quarkus.http.non-application-root-path", defaultValue = "q")
  String root;

  void register(@Observes Filters filters) {
    filters.register(this::check, 100);
  }

  void check(RoutingContext rc) {
    String path = rc.normalizedPath();
    String base = "/" + root.replaceAll("^/+|/+$", "");
    boolean operations = path.equals(base) || path.startsWith(base + "/");
    boolean health = path.equals(base + "/health") || path.startsWith(base + "/health/");
    if (!operations || health) {
      rc.next();
      return;
    }
    String header = rc.request().getHeader("Authorization");
    String secret = AuthFilter.bearer(header);
    if (secret != null && tokens.verify(secret).isPresent()) {
      rc.next();
      return;
    }
    JsonObject problem =
        new JsonObject()
            .put("type", "about:blank")
            .put("title", "Unauthorized")
            .put("status", 401)
            .put(
                "detail",
                (secret == null
                        ? "this endpoint needs a token (only " + base + "/health is open): "
                        : "the token is not valid (unknown or revoked): ")
                    + AuthFilter.HOW_TO_GET_ONE)
            .put("instance", path);
    rc.response()
        .setStatusCode(401)
        .putHeader("Content-Type", "application/problem+json")
        .putHeader("WWW-Authenticate", "Bearer")
        .end(problem.encode());
  }
}
