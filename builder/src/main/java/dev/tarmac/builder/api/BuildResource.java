package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.BuildService;
import dev.tarmac.builder.service.BuildView;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;

@Path("/api/apps/{app}/builds")
@Produces(MediaType.APPLICATION_JSON)
public class BuildResource {
  /** The body of POST /api/apps/{app}/builds. */
  public record NewBuild(String tag, String ref) {}

  private static final Duration SIGNED_URL_TTL = Duration.ofMinutes(15);

  @Inject BuildService builds;
  @Inject ArtifactStore store;
  @Inject dev.tarmac.builder.auth.Caller caller;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.DEPLOYER)
  public Response request(String app, NewBuild body) {
    if (body == null || (body.tag() == null) == (body.ref() == null)) {
      throw ApiProblem.badRequest(
          "send {\"tag\":\"v1.4.0\"}: the tag to build, or {\"ref\":\"main\"}: a branch or"
              + " commit to build as a version named from its commit (main-1a2b3c4)");
    }
    BuildView build =
        body.tag() != null ? builds.request(app, body.tag()) : builds.requestRef(app, body.ref());
    return Response.accepted(build).build();
  }

  /**
   * A page of the app's builds, newest first: {@code limit} (default 20, at most {@value
   * BuildService#MAX_PAGE}) that come after the build {@code before} in that order (none: from the
   * newest).
   */
  @GET
  public List<BuildView> list(
      String app,
      @QueryParam("limit") @DefaultValue("20") @Params.Range(max = BuildService.MAX_PAGE) int limit,
      @QueryParam("before") String before) {
    return builds.page(app, before, limit);
  }

  @GET
  @Path("{version}")
  public BuildView get(String app, String version) {
    return builds.require(app, version);
  }

  /** Stops a queued or running build; it ends FAILED, "cancelled by WHO". */
  @POST
  @Path("{version}/cancel")
  @Requires(Role.DEPLOYER)
  public BuildView cancel(String app, String version) {
    return builds.cancel(app, version, caller.name());
  }

  @GET
  @Path("{version}/log")
  @Produces(MediaType.TEXT_PLAIN)
  public byte[] log(String app, String version) {
    return builds.log(app, version);
  }

  @GET
  @Path("{version}/manifest")
  @Produces(MediaType.TEXT_PLAIN)
  public byte[] manifest(String app, String version) {
    requireSucceeded(app, version);
    return store.readAllBytes(BuildRecords.manifestKey(app, version));
  }

  @GET
  @Path("{version}/artifact")
  @Produces({"application/gzip", Problems.TYPE})
  public Response artifact(String app, String version, @HeaderParam("Range") String range) {
    requireSucceeded(app, version);
    String key = BuildRecords.artifactKey(app, version);
    if (!store.servedByService()) {
      return Response.status(302).location(store.signedGetUrl(key, SIGNED_URL_TTL)).build();
    }
    return Downloads.serve(store, key, range, "application/gzip");
  }

  private void requireSucceeded(String app, String version) {
    BuildView build = builds.require(app, version);
    if (build.status() != BuildView.Status.SUCCEEDED) {
      throw new ApiProblem(
          409,
          "Build not finished",
          "build "
              + app
              + " "
              + version
              + " is "
              + build.status()
              + (build.error() == null ? "; wait for it to succeed" : ": " + build.error()));
    }
  }
}
