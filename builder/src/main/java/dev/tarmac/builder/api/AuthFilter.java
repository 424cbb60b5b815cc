package dev.tarmac.builder.api;

import dev.tarmac.builder.service.ServiceConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Mutating calls need {@code Authorization: Bearer <tarmac.api-token>}. Webhooks carry their own
 * HMAC and signed store URLs their own signature, so those two are checked where they arrive.
 */
public class AuthFilter {
  @Inject ServiceConfig config;

  @ServerRequestFilter
  public Optional<Response> requireToken(ContainerRequestContext request) {
    String method = request.getMethod();
    String path = request.getUriInfo().getPath();
    if (method.equals("GET")
        || method.equals("HEAD")
        || method.equals("OPTIONS")
        || path.startsWith("/api/hooks/")
        || path.startsWith("/api/store/")) {
      return Optional.empty();
    }
    String header = request.getHeaderString("Authorization");
    String expected = "Bearer " + config.apiToken();
    if (header != null
        && MessageDigest.isEqual(
            header.trim().getBytes(StandardCharsets.UTF_8),
            expected.getBytes(StandardCharsets.UTF_8))) {
      return Optional.empty();
    }
    return Optional.of(
        Problems.problem(
            401,
            "Unauthorized",
            header == null
                ? "this call needs Authorization: Bearer <token>; the token is tarmac.api-token (or the api-token file in the service's data directory)"
                : "the bearer token is wrong; use tarmac.api-token (or the api-token file in the service's data directory)",
            path));
  }
}
