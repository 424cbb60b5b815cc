package dev.tarmac.builder.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The request-body limits (docs/configuration.md, "Limits"). Quarkus' own limit ({@code
 * quarkus.http.limits.max-body-size}) is switched off in application.properties because it would
 * apply to the embedded store's signed PUT too, which streams a body of any size (a database dump)
 * to the store and has no limit of its own. Every other body is limited here, before Quarkus REST
 * sees it: {@value #SETTING} (webhooks: {@value #WEBHOOK_SETTING}). A body over its limit is
 * answered 413 with a problem document naming the limit and the setting, whether the client sent a
 * {@code Content-Length} (refused before a byte is read) or not (counted as it arrives).
 */
@ApplicationScoped
public class BodyLimits {
  static final String SETTING = "tarmac.limits.max-body-size";
  static final String WEBHOOK_SETTING = "tarmac.limits.max-webhook-body-size";
  private static final String LIMIT_KEY = "tarmac.body-limit";

  @jakarta.inject.Inject dev.tarmac.builder.settings.TarmacSettings settings;

  private record Limit(long bytes, String setting, BodyHandler reader) {}

  void install(@Observes Router router) {
    Limit api = limit(settings.limits().maxBodySize(), SETTING);
    Limit hooks = limit(settings.limits().maxWebhookBodySize(), WEBHOOK_SETTING);
    router
        .route()
        .order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT)
        .handler(ctx -> check(ctx, ctx.normalizedPath().startsWith("/api/hooks/") ? hooks : api))
        .failureHandler(
            ctx -> {
              Limit limit = ctx.get(LIMIT_KEY);
              if (ctx.statusCode() == 413 && limit != null && !ctx.response().headWritten()) {
                tooLarge(ctx, limit, null);
              } else {
                ctx.next();
              }
            });
  }

  private static Limit limit(MemorySize size, String setting) {
    long bytes = size.asLongValue();
    return new Limit(bytes, setting, BodyHandler.create(false).setBodyLimit(bytes));
  }

  private static void check(RoutingContext ctx, Limit limit) {
    if (ctx.normalizedPath().startsWith("/api/store/")) {
      ctx.next(); // the signed PUT streams to the store: no limit (docs/configuration.md)
      return;
    }
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    String encoding = ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING);
    HttpMethod method = ctx.request().method();
    if (length == null
        && encoding == null
        && (method == HttpMethod.GET || method == HttpMethod.HEAD)) {
      ctx.next(); // no body (HTTP/2 sends neither header for a body: read those below)
      return;
    }
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        declared = Long.MAX_VALUE;
      }
      if (declared > limit.bytes()) {
        tooLarge(ctx, limit, declared);
        return;
      }
      // a declared length within the limit: HTTP framing stops the body there, nothing to count,
      // so the body is left for Quarkus REST to read once
      ctx.next();
      return;
    }
    ctx.put(LIMIT_KEY, limit);
    limit.reader().handle(ctx); // reads at most the limit, else fails with 413 (failureHandler)
  }

  private static void tooLarge(RoutingContext ctx, Limit limit, Long declared) {
    String path = ctx.normalizedPath();
    String call = ctx.request().method().name() + " " + path;
    String detail =
        (declared == null ? "the request body" : "the request body (" + declared + " bytes)")
            + " is larger than "
            + call
            + " accepts: at most "
            + limit.bytes()
            + " bytes ("
            + limit.setting()
            + "="
            + limit.bytes()
            + "). Send a smaller body, or raise "
            + limit.setting()
            + " on the service (docs/configuration.md). Files of any size (backups) go to the"
            + " store's signed URLs, which have no limit.";
    JsonObject problem =
        new JsonObject()
            .put("type", "about:blank")
            .put("title", "Content Too Large")
            .put("status", 413)
            .put("detail", detail)
            .put("instance", path);
    boolean http1 = ctx.request().version() != HttpVersion.HTTP_2;
    if (http1) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close"); // the rest is not read
    }
    ctx.response()
        .setStatusCode(413)
        .putHeader(HttpHeaders.CONTENT_TYPE, Problems.TYPE)
        .end(problem.encode())
        .onComplete(
            done -> {
              if (http1) {
                ctx.request().connection().close();
              }
            });
  }
}
