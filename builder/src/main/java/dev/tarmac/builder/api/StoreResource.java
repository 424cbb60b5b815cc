package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Unauthenticated;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreKeys;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/**
 * The embedded store's signed URLs: servers GET artifacts (with Range, to resume) and PUT backups
 * here without holding any credential; the URL's HMAC signature is the permission.
 */
@Unauthenticated
@Path("/api/store/{key: .+}")
public class StoreResource {
  @Inject ArtifactStore store;

  @GET
  @Produces({MediaType.APPLICATION_OCTET_STREAM, Problems.TYPE})
  public Response get(
      String key,
      @QueryParam("method") String method,
      @QueryParam("expires") String expires,
      @QueryParam("signature") String signature,
      @HeaderParam("Range") String range) {
    FsArtifactStore fs = check("GET", key, method, expires, signature);
    return Downloads.serve(fs, key, range, MediaType.APPLICATION_OCTET_STREAM);
  }

  @PUT
  @Consumes(MediaType.WILDCARD)
  @Produces(Problems.TYPE)
  public Response put(
      String key,
      @QueryParam("method") String method,
      @QueryParam("expires") String expires,
      @QueryParam("signature") String signature,
      InputStream body) {
    check("PUT", key, method, expires, signature).put(key, body);
    return Response.ok().build();
  }

  private FsArtifactStore check(
      String actual, String key, String method, String expires, String signature) {
    if (!(store instanceof FsArtifactStore fs)) {
      throw ApiProblem.notFound(
          "the service does not serve the store (tarmac.store=s3): use the store's own signed URLs");
    }
    StoreKeys.check(key);
    String refusal = fs.signer().refusal(actual, method, key, expires, signature);
    if (refusal != null) {
      throw new ApiProblem(403, "Forbidden", refusal);
    }
    return fs;
  }
}
