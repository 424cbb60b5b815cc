package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Unauthenticated;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.distributor.model.CdnAssets;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreKeys;
import dev.tarmac.distributor.store.StoreNotFoundException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The embedded store's fingerprinted assets, public (no token: they are public by nature), at
 * {@code GET /cdn/<app>/<hashed path>} — only keys under {@code cdn/<app>/}, with {@code
 * Content-Type} by extension, {@code Cache-Control: public, max-age=31536000, immutable}, an {@code
 * ETag}, {@code Range} and {@code 304} (docs/cdn-and-caches.md). {@link AuthFilter} lets exactly
 * GET/HEAD of such paths through.
 */
@Unauthenticated
@Path("/cdn/{app}/{path: .+}")
public class CdnResource {
  /**
   * The assets are served from the dashboard's own origin: an SVG or HTML asset opened by itself
   * must not run as the dashboard (where a signed-in admin's session could post its forms). {@code
   * sandbox} without {@code allow-scripts} gives such a document an opaque origin and no scripts; a
   * stylesheet, script, font or image used by a page is not affected (a subresource's own CSP is
   * not applied). docs/cdn-and-caches.md, "With the embedded store".
   */
  static final String SANDBOX = "sandbox";

  @Inject ArtifactStore store;

  @GET
  public Response get(
      @PathParam("app") String app,
      @PathParam("path") String path,
      @HeaderParam("If-None-Match") String ifNoneMatch,
      @HeaderParam("Range") String range) {
    if (!store.servedByService()) {
      throw ApiProblem.notFound(
          "the service does not serve the store (tarmac.store=s3): the bucket's cdn/"
              + app
              + "/ is the CDN's origin; fetch assets from release.cdn.url");
    }
    String key = CdnAssets.key(Names.app(app), StoreKeys.check(path));
    ObjectInfo info = store.stat(key).orElseThrow(() -> new StoreNotFoundException(key));
    // a key under cdn/ is written once and never changes: its name and size identify the bytes
    String etag =
        "\""
            + Hashing.sha256Hex((key + "\n" + info.size()).getBytes(StandardCharsets.UTF_8))
                .substring(0, 32)
            + "\"";
    if (ifNoneMatch != null
        && Arrays.stream(ifNoneMatch.split(","))
            .map(String::strip)
            .anyMatch(t -> t.equals("*") || t.equals(etag) || t.equals("W/" + etag))) {
      return asset(Response.notModified(), etag);
    }
    Response served = Downloads.serve(store, key, range, CdnAssets.contentType(path));
    if (served.getStatus() >= 300) {
      return served;
    }
    return asset(Response.fromResponse(served), etag);
  }

  /**
   * An asset's own headers (every answer of the service also says {@code nosniff}:
   * application.properties): cached for good, and sandboxed, since it shares the dashboard's
   * origin.
   */
  private static Response asset(Response.ResponseBuilder answer, String etag) {
    return answer
        .header("ETag", etag)
        .header("Cache-Control", CdnAssets.CACHE_CONTROL)
        .header("Content-Security-Policy", SANDBOX)
        .build();
  }
}
