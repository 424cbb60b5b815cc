package dev.tarmac.builder.web;

import dev.tarmac.builder.auth.Caller;
import dev.tarmac.builder.auth.ChecksSession;
import dev.tarmac.builder.auth.OpenStreams;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.auth.Sessions;
import dev.tarmac.builder.auth.Token;
import dev.tarmac.builder.auth.TokenStore;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.AppRegistry;
import dev.tarmac.builder.service.BuildService;
import dev.tarmac.builder.service.BuildView;
import dev.tarmac.builder.service.DeliveryFigures;
import dev.tarmac.builder.service.ReleaseService;
import dev.tarmac.builder.service.ReleaseState;
import dev.tarmac.builder.service.RequestNames;
import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.release.EnvStatus;
import dev.tarmac.deploy.release.ReleaseEvent;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.store.ConfigValues;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The dashboard (docs/dashboard.md): server-rendered Qute pages that read without JavaScript.
 * Signing in trades an API token for a session cookie ({@link Sessions}); every page needs one,
 * every form carries the session's CSRF token, and the release, rollback and plan buttons are shown
 * (and accepted) only for a token that may release to that environment, as the API's own rule
 * (docs/api.md, "Authentication, roles and tokens").
 */
@ChecksSession
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class Pages {
  /**
   * Every answer: no framing, no sniffing, no referrer to elsewhere, and scripts only with the
   * answer's own nonce ({@link #csp}). Not {@code script-src 'self'}: {@code /cdn/<app>/} serves
   * each app's own JavaScript from this origin (docs/dashboard.md).
   */
  static final String CSP =
      "default-src 'self'; script-src 'nonce-%s'; style-src 'self'; img-src"
          + " 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

  private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

  /**
   * Reads hosts for the environment page beside the request's own thread: up to 8 at once and 64
   * waiting; past that a page reads on its request's thread.
   */
  private static final ExecutorService HOST_READS =
      dev.tarmac.deploy.Threads.sharing("tarmac-dashboard-status", 8, 64);

  @Inject Caller caller;
  @Inject Sessions sessions;
  @Inject OpenStreams streams;
  @Inject TokenStore tokens;
  @Inject AppRegistry apps;
  @Inject BuildService builds;
  @Inject ReleaseService releases;
  @Inject RequestNames names;
  @Inject dev.tarmac.builder.service.EnvironmentRegistry registry;

  @Location("Pages/signin.html")
  Template signin;

  @Location("Pages/apps.html")
  Template appsPage;

  @Location("Pages/app.html")
  Template appPage;

  @Location("Pages/build.html")
  Template buildPage;

  @Location("Pages/env.html")
  Template envPage;

  @Location("Pages/plan.html")
  Template planPage;

  @Location("Pages/rollback.html")
  Template rollbackPage;

  @Location("Pages/release.html")
  Template releasePage;

  @Location("Pages/error.html")
  Template errorPage;

  @GET
  @Path("signin")
  public Response signinForm() {
    return html(200, signin.data("error", null).data("me", null));
  }

  @POST
  @Path("signin")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response signIn(
      @FormParam("token") String secret,
      @Context UriInfo uri,
      @HeaderParam("X-Forwarded-Proto") String forwardedProto) {
    Optional<Token> token = secret == null ? Optional.empty() : tokens.verify(secret);
    if (token.isEmpty()) {
      return html(
          401,
          signin
              .data("me", null)
              .data(
                  "error",
                  secret == null || secret.isBlank()
                      ? "Paste an API token to sign in."
                      : "That token is not valid (unknown or revoked). An admin makes one with"
                          + " `tarmac tokens create NAME --role viewer`."));
    }
    Sessions.Session s = sessions.open(token.get());
    return Response.seeOther(URI.create("/"))
        .cookie(sessionCookie(s.id(), secure(uri, forwardedProto), -1))
        .header("Cache-Control", "no-store")
        .build();
  }

  @POST
  @Path("signout")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response signOut(
      @FormParam("csrf") String csrf,
      @Context UriInfo uri,
      @HeaderParam("X-Forwarded-Proto") String forwardedProto) {
    Optional<Response> refused = requireForm(csrf, null, null);
    if (refused.isPresent()) {
      return refused.get();
    }
    sessions.close(caller.session().get().id());
    return Response.seeOther(URI.create("/signin"))
        .cookie(sessionCookie("", secure(uri, forwardedProto), 0))
        .build();
  }

  /**
   * The matrix (docs/dashboard.md): every app × environment from the histories, and the newest
   * builds and releases of every app. Reads the store only, never a host.
   */
  @GET
  public Response home() {
    return page(
        () -> {
          List<Matrix.AppData> data = new java.util.ArrayList<>();
          List<String> broken = new java.util.ArrayList<>();
          for (dev.tarmac.builder.service.App a : apps.all()) {
            List<BuildView> list = builds.list(a.name());
            java.util.Map<String, List<ReleaseRecord>> histories = new java.util.LinkedHashMap<>();
            try {
              for (String env : releases.environments(a.name())) {
                histories.put(env, releases.history(a.name(), env));
              }
            } catch (DeployException e) {
              broken.add(a.name() + ": " + e.getMessage());
            }
            data.add(new Matrix.AppData(a.name(), list, histories));
          }
          return base(appsPage)
              .data("apps", apps.all())
              .data("home", Matrix.of(data))
              .data("broken", broken);
        });
  }

  @GET
  @Path("apps/{app}")
  public Response app(String app) {
    return page(
        () -> {
          var named = apps.require(app);
          List<ConfigValues.Revision> appWide = configRevisions(app, null);
          return base(appPage)
              .data("app", named)
              .data("builds", builds.list(app).stream().map(BuildRow::of).toList())
              .data("envs", releases.environments(app))
              .data("config", ConfigTable.of(ConfigValues.newest(appWide, app, null), "app-wide"))
              .data("configRevisions", ConfigTable.revisions(appWide, "app-wide"));
        });
  }

  @GET
  @Path("apps/{app}/builds/{version}")
  public Response build(String app, String version) {
    return page(
        () -> {
          BuildView b = builds.require(app, version);
          return base(buildPage)
              .data("app", app)
              .data("build", b)
              .data("duration", Format.duration(b.startedAt(), b.finishedAt()))
              .data("size", Format.bytes(b.size()))
              .data("errors", Format.lines(b.error()))
              .data("log", new String(builds.log(app, version), StandardCharsets.UTF_8))
              .data("live", b.inProgress());
        });
  }

  @GET
  @Path("apps/{app}/envs/{env}")
  public Response environment(String app, String env) {
    return page(
        () -> {
          apps.require(app);
          List<ReleaseRecord> history = releases.history(app, env);
          // the hosts are read (over SSH) while the rest of the page is put together
          CompletableFuture<EnvStatus> reading =
              ReleaseHistoryView.live(history).isPresent()
                  ? CompletableFuture.supplyAsync(
                      () -> releases.status(AppName.of(app), EnvName.of(env)), HOST_READS)
                  : null;
          List<DeliveryFigures.Figures> figures =
              releases.figures(app, env, history, List.of(30, 90));
          DeliveryFigures.Figures f30 = figures.get(0);
          DeliveryFigures.Figures f90 = figures.get(1);
          List<String> versions =
              builds.list(app).stream()
                  .filter(b -> b.status() == BuildView.Status.SUCCEEDED)
                  .map(BuildView::version)
                  .toList();
          List<ConfigValues.Revision> own = configRevisions(app, env);
          List<ConfigValues.Revision> appWide = configRevisions(app, null);
          EnvStatus status = null;
          String statusError = "nothing is live in " + env + " yet";
          if (reading != null) {
            try {
              status = reading.join();
              statusError = null;
              Matrix.seen(app, env, status, Instant.now());
            } catch (CompletionException e) {
              if (!(e.getCause() instanceof DeployException
                  || e.getCause() instanceof ApiProblem)) {
                throw e;
              }
              statusError = e.getCause().getMessage();
            }
          }
          return base(envPage)
              .data("app", app)
              .data("env", env)
              .data("status", status)
              .data("statusError", statusError)
              .data("lock", releases.lockInfo(app, env).orElse(null))
              .data("registered", registry.find(app, env).orElse(null))
              .data(
                  "config",
                  ConfigTable.merged(
                      ConfigValues.newest(appWide, app, null),
                      ConfigValues.newest(own, app, env),
                      env))
              .data("configRevisions", configRevisions(own, appWide, env))
              .data("history", ReleaseHistoryView.rows(history))
              .data("canRelease", mayRelease(env))
              .data("versions", versions)
              .data("f30", FiguresView.of(f30))
              .data("f90", FiguresView.of(f90))
              .data("chart30", Charts.perDay(f30.perDay()))
              .data("chart90", Charts.perDay(f90.perDay()));
        });
  }

  @POST
  @Path("apps/{app}/envs/{env}/plan")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response plan(
      String app, String env, @FormParam("csrf") String csrf, @FormParam("version") String v) {
    return requireForm(csrf, Role.DEPLOYER, env)
        .orElseGet(
            () ->
                page(
                    () -> {
                      String version = required(v, "version");
                      return base(planPage)
                          .data("app", app)
                          .data("env", env)
                          .data(
                              "plan",
                              releases.plan(
                                  names.registeredApp(app),
                                  EnvName.of(env),
                                  RequestNames.version(version)));
                    }));
  }

  @POST
  @Path("apps/{app}/envs/{env}/release")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response release(
      String app, String env, @FormParam("csrf") String csrf, @FormParam("version") String v) {
    return requireForm(csrf, Role.DEPLOYER, env)
        .orElseGet(
            () ->
                action(
                    () -> {
                      String version = required(v, "version");
                      return releases.release(
                          names.registeredApp(app),
                          EnvName.of(env),
                          RequestNames.version(version),
                          caller.name(),
                          false);
                    }));
  }

  @GET
  @Path("apps/{app}/envs/{env}/rollback")
  public Response rollbackForm(String app, String env) {
    if (!caller.present()) {
      return toSignIn();
    }
    if (!mayRelease(env)) {
      return forbidden(env);
    }
    return page(
        () -> {
          List<ReleaseRecord> history = releases.history(app, env);
          return base(rollbackPage)
              .data("app", app)
              .data("env", env)
              .data("live", ReleaseHistoryView.live(history).orElse(null))
              .data("to", ReleaseHistoryView.previousLive(history).orElse(null));
        });
  }

  @POST
  @Path("apps/{app}/envs/{env}/rollback")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response rollback(String app, String env, @FormParam("csrf") String csrf) {
    return requireForm(csrf, Role.DEPLOYER, env)
        .orElseGet(
            () ->
                action(
                    () ->
                        releases.rollback(
                            names.registeredApp(app),
                            EnvName.of(env),
                            Optional.empty(),
                            false,
                            false,
                            caller.name(),
                            false)));
  }

  @GET
  @Path("apps/{app}/envs/{env}/releases/{id}")
  public Response release(String app, String env, @PathParam("id") long id) {
    return page(
        () -> {
          ReleaseRecord stored = releases.get(app, env, id);
          // a running release: every host from the start, its tasks from the run's events so far
          LiveRelease.Known known =
              stored.status().finished()
                  ? LiveRelease.of(stored, List.of(), List.of())
                  : LiveRelease.of(stored, hostNames(app, env), releases.eventsSoFar(app, env, id));
          ReleaseRecord r = known.record();
          Instant now = Instant.now();
          Optional<ReleaseRecord> live = ReleaseHistoryView.live(releases.history(app, env));
          ReleaseState state = ReleaseState.of(r, live);
          return base(releasePage)
              .data("app", app)
              .data("env", env)
              .data("r", r)
              .data("state", state)
              .data("liveNow", state == ReleaseState.SUPERSEDED ? live.orElse(null) : null)
              .data("running", !r.status().finished())
              .data("duration", Format.duration(r.startedAt(), r.finishedAt()))
              .data("started", Format.when(r.startedAt()))
              .data("errors", Format.lines(r.error()))
              .data("chart", Charts.timeline(r, now))
              .data("phases", ReleaseHistoryView.phases(r, now))
              .data("phase", known.phase())
              .data("hosts", ReleaseHistoryView.hosts(r, known.downloads()));
        });
  }

  /** The most configuration revisions a page lists, per scope. */
  static final int CONFIG_REVISIONS = 20;

  private ConfigValues config() {
    return releases.configValues();
  }

  /**
   * A scope's newest revisions, read once per page: its table and its values both come from them.
   */
  private List<ConfigValues.Revision> configRevisions(String app, String env) {
    return config().revisions(app, env, CONFIG_REVISIONS);
  }

  /** The environment's revisions, then the app-wide ones (each newest first). */
  private static List<ConfigTable.Rev> configRevisions(
      List<ConfigValues.Revision> own, List<ConfigValues.Revision> appWide, String env) {
    List<ConfigTable.Rev> out = new java.util.ArrayList<>(ConfigTable.revisions(own, env));
    out.addAll(ConfigTable.revisions(appWide, "app-wide"));
    return out;
  }

  /** The hosts of the registered {@code env}; none when it is not registered (any more). */
  private List<String> hostNames(String app, String env) {
    try {
      return releases.hostNames(app, env);
    } catch (DeployException | ApiProblem e) {
      return List.of();
    }
  }

  /** The release's progress for the page's script (the same events as the API's). */
  @GET
  @Path("apps/{app}/envs/{env}/releases/{id}/events")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @RestStreamElementType(MediaType.APPLICATION_JSON)
  public Multi<ReleaseEvent> events(String app, String env, @PathParam("id") long id) {
    if (!caller.present()) {
      throw new ApiProblem(401, "Unauthorized", "sign in first: /signin");
    }
    return streams.follow(caller, releases.events(app, env, id));
  }

  /** A build as the app page lists it. */
  record BuildRow(
      String version, String status, String commit, String size, String duration, String queued) {
    static BuildRow of(BuildView b) {
      return new BuildRow(
          b.version(),
          b.status().name(),
          b.commit() == null ? "" : b.commit().substring(0, Math.min(12, b.commit().length())),
          Format.bytes(b.size()),
          Format.duration(b.startedAt(), b.finishedAt()),
          Format.when(b.queuedAt()));
    }
  }

  // ---- helpers

  private TemplateInstance base(Template t) {
    Token token = caller.token();
    return t.data("me", token.name())
        .data("role", token.role().label())
        .data("csrf", caller.session().map(Sessions.Session::csrf).orElse(""));
  }

  /** A token that may release to or roll back {@code env}: the API's rule for those calls. */
  private boolean mayRelease(String env) {
    Token t = caller.token();
    return t.role().allows(Role.DEPLOYER) && t.reaches(env);
  }

  /** A form post: signed in, the session's CSRF token, and the role it needs; else the refusal. */
  private Optional<Response> requireForm(String csrf, Role needed, String env) {
    if (!caller.present() || caller.session().isEmpty()) {
      return Optional.of(toSignIn());
    }
    if (!caller.session().get().csrfMatches(csrf)) {
      return Optional.of(
          error(
              403,
              "This form is stale or did not come from this dashboard (its CSRF token does not"
                  + " match your session). Reload the page and try again."));
    }
    if (needed != null && (!caller.token().role().allows(needed) || !mayRelease(env))) {
      return Optional.of(forbidden(env));
    }
    return Optional.empty();
  }

  private Response forbidden(String env) {
    Token t = caller.token();
    return error(
        403,
        "The token '"
            + t.name()
            + "' ("
            + t.role().label()
            + ") may not release to or roll back "
            + env
            + ". Ask an admin for a deployer token: tarmac tokens create NAME --role deployer --env "
            + env);
  }

  private Response page(Supplier<TemplateInstance> render) {
    if (!caller.present()) {
      return toSignIn();
    }
    try {
      return html(200, render.get());
    } catch (ApiProblem e) {
      return error(e.status(), e.getMessage());
    } catch (DeployException | IllegalArgumentException | IllegalStateException e) {
      return error(409, e.getMessage());
    } catch (java.util.NoSuchElementException e) {
      return error(404, e.getMessage());
    }
  }

  private Response action(Supplier<ReleaseRecord> start) {
    try {
      ReleaseRecord r = start.get();
      return Response.seeOther(
              URI.create("/apps/" + r.app() + "/envs/" + r.env() + "/releases/" + r.id()))
          .build();
    } catch (ApiProblem e) {
      return error(e.status(), e.getMessage());
    } catch (DeployException | IllegalArgumentException | IllegalStateException e) {
      return error(409, e.getMessage());
    }
  }

  private Response error(int status, String message) {
    TemplateInstance t =
        caller.present() ? base(errorPage) : errorPage.data("me", null).data("csrf", "");
    return html(status, t.data("status", status).data("message", message));
  }

  private static String required(String value, String name) {
    if (value == null || value.isBlank()) {
      throw ApiProblem.badRequest("choose a " + name + " first");
    }
    return value.strip();
  }

  private static Response toSignIn() {
    return Response.seeOther(URI.create("/signin")).build();
  }

  private static Response html(int status, TemplateInstance t) {
    byte[] random = new byte[16];
    NONCES.nextBytes(random);
    String nonce = java.util.Base64.getEncoder().encodeToString(random);
    return Response.status(status)
        .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
        .entity(t.data("nonce", nonce).render())
        .header("Content-Security-Policy", csp(nonce))
        .header("Referrer-Policy", "same-origin")
        .header("Cache-Control", "no-store")
        .build();
  }

  /** The policy of one answer, whose script tags carry {@code nonce}. */
  static String csp(String nonce) {
    return String.format(java.util.Locale.ROOT, CSP, nonce);
  }

  /**
   * Did the browser use HTTPS: to the service, or to a proxy in front that says so (a forged header
   * can only add {@code Secure} to the forger's own cookie).
   */
  static boolean secure(UriInfo uri, String forwardedProto) {
    return "https".equalsIgnoreCase(uri.getRequestUri().getScheme())
        || (forwardedProto != null && forwardedProto.strip().equalsIgnoreCase("https"));
  }

  /** HttpOnly, SameSite=Strict, path /; Secure when the browser used HTTPS. */
  private static NewCookie sessionCookie(String value, boolean secure, int maxAge) {
    return new NewCookie.Builder(Sessions.COOKIE)
        .value(value)
        .path("/")
        .httpOnly(true)
        .secure(secure)
        .sameSite(NewCookie.SameSite.STRICT)
        .maxAge(maxAge)
        .build();
  }
}
