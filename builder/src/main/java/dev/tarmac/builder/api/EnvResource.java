package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Caller;
import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.EnvironmentRegistry;
import dev.tarmac.builder.service.EnvironmentRegistry.EnvView;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * The environments registered in the service (docs/environments.md): anyone may read them; only an
 * admin writes (a deployer, even of that very environment, may not: the environment is what limits
 * a deployer). Beside {@link ReleaseResource}, whose paths under {@code envs/{env}/} are {@code
 * releases}, {@code rollback}, {@code lock}, {@code status} and {@code metrics}.
 */
@Path("/api/apps/{app}/envs")
@Produces(MediaType.APPLICATION_JSON)
public class EnvResource {
  /** The body of POST …/import: the version whose tarmac.yml block is taken (required). */
  public record Import(String from) {}

  @Inject EnvironmentRegistry environments;
  @Inject Caller caller;

  @GET
  public List<EnvView> list(String app) {
    return environments.views(app);
  }

  @GET
  @Path("{env}")
  public EnvView get(String app, String env) {
    return environments.view(app, env);
  }

  /**
   * Registers the environment (a new revision): the body is the YAML, or JSON, of a {@code
   * tarmac.yml} environment block, with {@code versions}.
   */
  @PUT
  @Path("{env}")
  @Consumes({"application/yaml", "application/x-yaml", MediaType.APPLICATION_JSON, "text/plain"})
  @Requires(Role.ADMIN)
  public EnvView set(String app, String env, String body) {
    if (body == null || body.isBlank()) {
      throw ApiProblem.badRequest(
          "send the environment as YAML (the block a tarmac.yml has under environments."
              + env
              + ", e.g. deploy_to: /srv/"
              + app
              + " and hosts: [...]); tarmac env set "
              + app
              + " "
              + env
              + " FILE.yml sends a file");
    }
    return environments.set(app, env, body, caller.name());
  }

  /** Registers the environment from a build's {@code tarmac.yml}, once. */
  @POST
  @Path("{env}/import")
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.ADMIN)
  public EnvView importFrom(String app, String env, Import body) {
    return environments.importFrom(app, env, body == null ? null : body.from(), caller.name());
  }

  /** Removes it (a revision says so); refused while its lock is held. */
  @DELETE
  @Path("{env}")
  @Requires(Role.ADMIN)
  public EnvView remove(String app, String env) {
    return environments.remove(app, env, caller.name());
  }

  @GET
  @Path("{env}/revisions")
  public List<EnvView> revisions(String app, String env) {
    return environments.revisions(app, env);
  }
}
