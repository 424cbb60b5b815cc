package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.auth.Token;
import dev.tarmac.builder.auth.TokenStore;
import dev.tarmac.builder.service.ApiProblem;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.NoSuchElementException;

/** The API's named tokens (admin only): create (the secret is answered once), list, revoke. */
@Path("/api/tokens")
@Produces(MediaType.APPLICATION_JSON)
public class TokenResource {
  /** The body of POST /api/tokens. */
  public record NewToken(String name, String role, List<String> envs) {}

  @Inject TokenStore tokens;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.ADMIN)
  public Response create(NewToken body) {
    if (body == null || body.name() == null || body.role() == null) {
      throw ApiProblem.badRequest(
          "send {\"name\":\"ci-staging\",\"role\":\"deployer\",\"envs\":[\"staging\"]}; name and"
              + " role (viewer, deployer or admin) are required");
    }
    try {
      TokenStore.Created created = tokens.create(body.name(), Role.parse(body.role()), body.envs());
      return Response.created(URI.create("/api/tokens/" + created.name())).entity(created).build();
    } catch (IllegalStateException e) {
      throw new ApiProblem(409, "Conflict", e.getMessage());
    }
  }

  @GET
  @Requires(Role.ADMIN)
  public List<Token.Info> list() {
    return tokens.list();
  }

  @DELETE
  @Path("{name}")
  @Requires(Role.ADMIN)
  public Response revoke(String name) {
    try {
      tokens.revoke(name);
      return Response.noContent().build();
    } catch (NoSuchElementException e) {
      throw ApiProblem.notFound(e.getMessage());
    } catch (IllegalStateException e) {
      throw new ApiProblem(409, "Conflict", e.getMessage());
    }
  }
}
