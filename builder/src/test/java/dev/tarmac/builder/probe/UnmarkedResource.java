package dev.tarmac.builder.probe;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/**
 * A resource outside {@code /api/} that, like a careless new one, says nothing of how it checks its
 * callers (no {@code @ChecksSession}, no {@code @Unauthenticated}): the filter must refuse it.
 * Quarkus serves it in the tests' application only.
 */
@Path("/probe/unmarked")
public class UnmarkedResource {
  @GET
  public String secret() {
    return "this should never reach an anonymous caller";
  }
}
