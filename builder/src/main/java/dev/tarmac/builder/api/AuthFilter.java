package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Caller;
import dev.tarmac.builder.auth.ChecksSession;
import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.auth.Sessions;
import dev.tarmac.builder.auth.Token;
import dev.tarmac.builder.auth.TokenStore;
import dev.tarmac.builder.auth.Unauthenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Method;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every API call needs {@code Authorization: Bearer <token>} (a named token, see {@link
 * TokenStore}), reads included. The two exceptions carry their own signature, checked where they
 * arrive: webhooks ({@code /api/hooks/…}, HMAC) and the embedded store's signed URLs ({@code
 * /api/store/…}); both are marked {@link Unauthenticated}. Public by nature: GET/HEAD of
 * fingerprinted assets, {@code /cdn/<app>/<path>} ({@link #isPublicAsset}, {@code CdnResource}).
 * Then the token's role must allow the method ({@link Requires}; by default GET/HEAD need viewer,
 * anything else admin), and a deployer limited to some environments reaches only those.
 *
 * <p>Paths outside {@code /api/} are the dashboard's pages (docs/dashboard.md): they never take a
 * bearer token; a session cookie ({@link Sessions}) makes the caller, and the pages themselves send
 * a visitor without one to the sign-in page and check roles and CSRF tokens on every form. Only a
 * resource marked {@link ChecksSession} (or {@link Unauthenticated}) may answer there: any other is
 * refused, so a resource added outside {@code /api/} is never public by accident.
 */
public class AuthFilter {
  public static final String HOW_TO_GET_ONE =
      "send Authorization: Bearer <token>. The service's first start wrote an admin token to the"
          + " api-token file in its data directory (the tarmac CLI reads it from there by default);"
          + " an admin makes named tokens with `tarmac tokens create NAME --role"
          + " viewer|deployer|admin`";

  @Inject TokenStore tokens;
  @Inject Caller caller;
  @Inject Sessions sessions;

  /** Before routing: an unknown path under /api is refused too, not told apart from a real one. */
  @ServerRequestFilter(preMatching = true)
  public Optional<Response> authenticate(ContainerRequestContext request) {
    String path = request.getUriInfo().getPath();
    boolean signed = path.startsWith("/api/hooks/") || path.startsWith("/api/store/");
    if (request.getMethod().equals("OPTIONS") && (signed || !isApi(path))) {
      // the framework answers OPTIONS itself, before the filter after routing runs: only a caller
      // with a token may ask what a resource allows, or a resource outside /api/ would answer
      return Optional.of(
          Problems.problem(
              401, "Unauthorized", "this call needs a token: " + HOW_TO_GET_ONE, path));
    }
    if (signed) {
      return Optional.empty(); // each checks its own signature; see authorize for the resource
    }
    if (isPublicAsset(request.getMethod(), path)) {
      return Optional.empty(); // fingerprinted assets are public (CdnResource)
    }
    if (!isApi(path)) {
      Cookie cookie = request.getCookies().get(Sessions.COOKIE);
      sessions
          .find(cookie == null ? null : cookie.getValue(), tokens::stillValid)
          .ifPresent(caller::set);
      return Optional.empty(); // a page: signed in or not, the page decides (web/Pages)
    }
    String header = request.getHeaderString("Authorization");
    String secret = bearer(header);
    Optional<Token> token = secret == null ? Optional.empty() : tokens.verify(secret);
    if (token.isEmpty()) {
      return Optional.of(
          Problems.problem(
              401,
              "Unauthorized",
              (header == null
                      ? "this call needs a token: "
                      : secret == null
                          ? "the Authorization header is not a bearer token: "
                          : "the token is not valid (unknown or revoked): ")
                  + HOW_TO_GET_ONE,
              path));
    }
    caller.set(token.get());
    return Optional.empty();
  }

  /** After routing: the token's role against what the method needs. */
  @ServerRequestFilter
  public Optional<Response> authorize(ContainerRequestContext request, ResourceInfo resource) {
    Class<?> type = resource.getResourceClass();
    if (type != null && type.isAnnotationPresent(Unauthenticated.class)) {
      return Optional.empty();
    }
    String path = request.getUriInfo().getPath();
    if (!isApi(path)) {
      if (type != null && type.isAnnotationPresent(ChecksSession.class)) {
        return Optional.empty(); // a page checks its session and role itself (web/Pages)
      }
      // default deny: a resource outside /api/ that says nothing of how it checks its callers
      return Optional.of(
          Problems.problem(
              401, "Unauthorized", "this call needs a token: " + HOW_TO_GET_ONE, path));
    }
    if (!caller.present()) {
      // a path that looked like a signed one but routed elsewhere
      return Optional.of(
          Problems.problem(
              401, "Unauthorized", "this call needs a token: " + HOW_TO_GET_ONE, path));
    }
    Token token = caller.token();
    Role needed = needed(resource.getResourceMethod(), request.getMethod());
    if (!token.role().allows(needed)) {
      return Optional.of(
          Problems.problem(
              403,
              "Forbidden",
              forbidden(token.name(), token.role(), request.getMethod() + " " + path, needed),
              path));
    }
    String env = request.getUriInfo().getPathParameters().getFirst("env");
    if (needed == Role.DEPLOYER && env != null && !token.reaches(env)) {
      return Optional.of(
          Problems.problem(
              403,
              "Forbidden",
              "the token '"
                  + token.name()
                  + "' deploys only to "
                  + String.join(", ", token.envs())
                  + ", not to "
                  + env
                  + "; use a token made with --env "
                  + env,
              path));
    }
    return Optional.empty();
  }

  /**
   * A token's role is short of what {@code call} needs: {@code the token 'vera' is a viewer token;
   * POST … needs a deployer or admin token. …}.
   */
  static String forbidden(String name, Role has, String call, Role needed) {
    java.util.List<String> enough = new java.util.ArrayList<>();
    for (Role r : Role.values()) {
      if (r.allows(needed)) {
        enough.add(r.label());
      }
    }
    String roles =
        enough.size() == 1
            ? enough.get(0)
            : String.join(", ", enough.subList(0, enough.size() - 1))
                + " or "
                + enough.get(enough.size() - 1);
    return "the token '"
        + name
        + "' is "
        + article(has.label())
        + " token; "
        + call
        + " needs "
        + article(roles)
        + " token. Ask an admin for one: tarmac tokens create NAME --role "
        + needed.label();
  }

  private static String article(String word) {
    return ("aeiou".indexOf(word.charAt(0)) >= 0 ? "an " : "a ") + word;
  }

  private static boolean isApi(String path) {
    return path.startsWith("/api/") || path.equals("/api");
  }

  private static final java.util.regex.Pattern PUBLIC_ASSET =
      java.util.regex.Pattern.compile(
          "/cdn/[a-z0-9_-]{1,63}/[A-Za-z0-9._=+@,-]+(?:/[A-Za-z0-9._=+@,-]+)*");

  /**
   * GET or HEAD of {@code /cdn/<app>/<path>} whose every segment is a plain name (no {@code .} or
   * {@code ..}, no empty one): the only requests besides the signed ones that need no token
   * (docs/cdn-and-caches.md). Anything else under {@code /cdn/} needs a token like the rest.
   */
  static boolean isPublicAsset(String method, String path) {
    if (!(method.equals("GET") || method.equals("HEAD")) || !PUBLIC_ASSET.matcher(path).matches()) {
      return false;
    }
    for (String segment : path.split("/")) {
      if (segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  static Role needed(Method method, String httpMethod) {
    Requires requires = method == null ? null : method.getAnnotation(Requires.class);
    if (requires != null) {
      return requires.value();
    }
    return httpMethod.equals("GET") || httpMethod.equals("HEAD") ? Role.VIEWER : Role.ADMIN;
  }

  /** The secret of a {@code Bearer} Authorization header, or null. */
  public static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String secret = h.substring(7).strip();
      return secret.isEmpty() ? null : secret;
    }
    return null;
  }
}
