package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.App;
import dev.tarmac.builder.service.AppRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

@Path("/api/apps")
@Produces(MediaType.APPLICATION_JSON)
public class AppResource {
  /** The body of POST /api/apps. */
  public record NewApp(String name, String repo, Boolean watch) {}

  @Inject AppRegistry apps;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.ADMIN)
  public Response register(NewApp body) {
    if (body == null || body.name() == null || body.repo() == null) {
      throw ApiProblem.badRequest(
          "send {\"name\":\"shop\",\"repo\":\"<git url>\",\"watch\":true}; name and repo are required");
    }
    App app = apps.register(body.name(), body.repo(), Boolean.TRUE.equals(body.watch()));
    return Response.created(URI.create("/api/apps/" + app.name())).entity(app.redacted()).build();
  }

  @GET
  public List<App> list() {
    return apps.all().stream().map(App::redacted).toList();
  }

  @GET
  @Path("{app}")
  public App get(String app) {
    return apps.require(app).redacted();
  }
}
