package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.App;
import dev.tarmac.builder.service.AppRegistry;
import dev.tarmac.builder.service.BuildService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
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
  public record NewApp(
      String name,
      String repo,
      Boolean watch,
      String token,
      String deployKey,
      List<String> branches) {}

  /** The body of PUT /api/apps/{app}/credential: one of the two. */
  public record Credential(String token, String deployKey) {}

  @Inject AppRegistry apps;
  @Inject BuildService builds;
  @Inject RepoSecrets secrets;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.ADMIN)
  public Response register(NewApp body) {
    if (body == null || body.name() == null || body.repo() == null) {
      throw ApiProblem.badRequest(
          "send {\"name\":\"shop\",\"repo\":\"<git url>\",\"watch\":true}; name and repo are required");
    }
    App app =
        apps.register(
            body.name(),
            body.repo(),
            Boolean.TRUE.equals(body.watch()),
            body.token(),
            body.deployKey(),
            body.branches() == null ? List.of() : body.branches());
    return Response.created(URI.create("/api/apps/" + app.name())).entity(view(app)).build();
  }

  @GET
  public List<AppView> list() {
    return apps.all().stream().map(a -> AppView.of(a, secrets.shown(a.name()), null)).toList();
  }

  @GET
  @Path("{app}")
  public AppView get(String app) {
    return view(apps.require(app));
  }

  /**
   * Sets the app's token ({@code https://}) or deploy key ({@code ssh://}); answers the app, which
   * shows the kind of credential and a deploy key's public key, never the secret.
   */
  @PUT
  @Path("{app}/credential")
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.ADMIN)
  public AppView setCredential(String app, Credential body) {
    apps.setCredential(
        app, body == null ? null : body.token(), body == null ? null : body.deployKey());
    return view(apps.require(app));
  }

  /** 204; the app is forgotten, its builds and histories stay in the store (admin). */
  @DELETE
  @Path("{app}")
  @Requires(Role.ADMIN)
  public Response remove(String app) {
    apps.remove(app);
    return Response.noContent().build();
  }

  @DELETE
  @Path("{app}/credential")
  @Requires(Role.ADMIN)
  public Response removeCredential(String app) {
    apps.require(app);
    secrets.remove(app);
    return Response.noContent().build();
  }

  private AppView view(App app) {
    return AppView.of(
        app, secrets.shown(app.name()), builds.lastRetention(app.name()).orElse(null));
  }
}
