package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Caller;
import dev.tarmac.builder.auth.OpenStreams;
import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.DeliveryFigures;
import dev.tarmac.builder.service.ReleaseService;
import dev.tarmac.builder.service.ReleaseView;
import dev.tarmac.builder.service.RequestNames;
import dev.tarmac.deploy.release.EnvStatus;
import dev.tarmac.deploy.release.ReleaseEvent;
import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * Releases, rollbacks, history and status of an app's environment. Who released is the token's name
 * (recorded in the history, the lock and on the hosts), whatever the client says.
 */
@Path("/api/apps/{app}/envs/{env}")
@Produces(MediaType.APPLICATION_JSON)
public class ReleaseResource {
  /** The body of POST …/releases. */
  public record NewRelease(String version, Boolean forceUnlock) {}

  /**
   * The body of POST …/rollback. {@code acrossContract}: across a contract migration that ran
   * (docs/releasing.md, "Expand and contract").
   */
  public record NewRollback(
      String to, Boolean restoreDatabase, Boolean forceUnlock, Boolean acrossContract) {}

  @Inject ReleaseService releases;
  @Inject Caller caller;
  @Inject OpenStreams streams;
  @Inject RequestNames names;

  @POST
  @Path("releases")
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.DEPLOYER)
  public Response release(
      String app, String env, @QueryParam("plan") boolean plan, NewRelease body) {
    if (body == null || body.version() == null) {
      throw ApiProblem.badRequest("send {\"version\":\"v1.4.0\"}: the built version to release");
    }
    // the names, checked once here (docs/architecture.md, "Names checked once")
    AppName a = names.registeredApp(app);
    EnvName e = EnvName.of(env);
    Version v = RequestNames.version(body.version());
    if (plan) {
      // reads every host, changes nothing, takes no lock (docs/releasing.md, "Plan")
      return Response.ok(releases.plan(a, e, v)).build();
    }
    ReleaseRecord started =
        releases.release(a, e, v, caller.name(), Boolean.TRUE.equals(body.forceUnlock()));
    return Response.accepted(started).build();
  }

  /**
   * A page of the history, newest first: {@code limit} records (default 20, at most {@value
   * ReleaseService#MAX_PAGE}) numbered below {@code before}, without their tasks' details (the
   * record of one release has them: {@code GET …/releases/{id}}).
   */
  @GET
  @Path("releases")
  public List<ReleaseView> history(
      String app,
      String env,
      @QueryParam("limit") @DefaultValue("20") @Params.Range(max = ReleaseService.MAX_PAGE)
          int limit,
      @QueryParam("before") Long before) {
    return releases.historyPage(app, env, before, limit);
  }

  /**
   * The whole output of a task whose record keeps only its ends (the task's {@code log} names it:
   * {@code <host>/<task>}); 404 when none was kept.
   */
  @GET
  @Path("releases/{id}/tasks/{host}/{task}/log")
  @Produces(MediaType.TEXT_PLAIN + ";charset=utf-8")
  public byte[] taskLog(
      String app,
      String env,
      @PathParam("id") long id,
      @PathParam("host") String host,
      @PathParam("task") String task) {
    return releases.taskLog(app, env, id, host, task);
  }

  @GET
  @Path("releases/{id}")
  public ReleaseView get(String app, String env, @PathParam("id") long id) {
    return releases.view(app, env, id);
  }

  @GET
  @Path("releases/{id}/events")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @RestStreamElementType(MediaType.APPLICATION_JSON)
  public Multi<ReleaseEvent> events(String app, String env, @PathParam("id") long id) {
    return streams.follow(caller, releases.events(app, env, id));
  }

  /**
   * Asks a running release or rollback to stop at its next safe point: before the switch nothing is
   * activated, after it every host is switched back (docs/releasing.md, "Ctrl-C, following and
   * cancelling"). 202 with the record as it is now; 409 when it is not running.
   */
  @POST
  @Path("releases/{id}/cancel")
  @Requires(Role.DEPLOYER)
  public Response cancel(String app, String env, @PathParam("id") long id) {
    return Response.accepted(releases.cancel(app, env, id, caller.name())).build();
  }

  @POST
  @Path("rollback")
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.DEPLOYER)
  public Response rollback(String app, String env, NewRollback body) {
    NewRollback b = body == null ? new NewRollback(null, false, false, false) : body;
    AppName a = names.registeredApp(app);
    Optional<Version> to = Optional.ofNullable(b.to()).map(RequestNames::version);
    ReleaseRecord started =
        releases.rollback(
            a,
            EnvName.of(env),
            to,
            Boolean.TRUE.equals(b.restoreDatabase()),
            Boolean.TRUE.equals(b.acrossContract()),
            caller.name(),
            Boolean.TRUE.equals(b.forceUnlock()));
    return Response.accepted(started).build();
  }

  /** The four delivery figures of the last {@code days} days (default 30): docs/dashboard.md. */
  @GET
  @Path("metrics")
  public DeliveryFigures.Figures metrics(
      String app,
      String env,
      @QueryParam("days") @DefaultValue("30") @Params.Range(min = 1, max = DeliveryFigures.MAX_DAYS)
          int days) {
    return releases.figures(app, env, days);
  }

  @GET
  @Path("lock")
  public ReleaseService.LockView lock(String app, String env) {
    return releases.lock(app, env);
  }

  /** Removes the lock (as --force-unlock): 200 with what it said; 404 when not locked. */
  @DELETE
  @Path("lock")
  @Requires(Role.DEPLOYER)
  public ReleaseService.LockView unlock(String app, String env) {
    return releases.unlock(app, env, caller.name());
  }

  @GET
  @Path("status")
  public EnvStatus status(String app, String env) {
    return releases.status(AppName.of(app), EnvName.of(env));
  }
}
