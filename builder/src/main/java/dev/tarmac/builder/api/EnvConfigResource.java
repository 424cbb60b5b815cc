package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Caller;
import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.AppRegistry;
import dev.tarmac.builder.service.ReleaseService;
import dev.tarmac.deploy.store.ConfigValues;
import dev.tarmac.deploy.store.ConfigValues.Change;
import dev.tarmac.distributor.model.Names;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * An environment's own configuration values and secrets, overriding the app's ({@link
 * ConfigResource}; docs/configuration-and-secrets.md).
 */
@Path("/api/apps/{app}/envs/{env}/config")
@Produces(MediaType.APPLICATION_JSON)
public class EnvConfigResource {
  @Inject ReleaseService releases;
  @Inject AppRegistry apps;
  @Inject Caller caller;

  @GET
  public ConfigResource.ConfigView envConfig(String app, String env) {
    return ConfigResource.ConfigView.of(values().latest(known(app), Names.env(env)));
  }

  /**
   * A deployer of {@code env} may set its plain values (docs/configuration-and-secrets.md, "Who may
   * set what"); a secret needs an admin.
   */
  @PUT
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.DEPLOYER)
  public ConfigResource.ConfigView setEnvConfig(
      String app, String env, ConfigResource.ChangeBody body) {
    Change change = ConfigResource.change(body);
    if (caller.token().role() == Role.ADMIN) {
      return ConfigResource.ConfigView.of(
          values().set(known(app), Names.env(env), caller.name(), change));
    }
    try {
      // a deployer touches no secret: neither sets one, nor replaces, removes or shadows one
      return ConfigResource.ConfigView.of(
          values().setPlain(known(app), Names.env(env), caller.name(), change));
    } catch (ConfigValues.SecretNeedsAdmin e) {
      throw new ApiProblem(
          403,
          "Forbidden",
          e.getMessage()
              + "; a deployer of "
              + env
              + " may set its plain values only (tarmac config set "
              + app
              + " "
              + env
              + " NAME=value); nothing was changed");
    }
  }

  @GET
  @Path("revisions")
  public List<ConfigResource.RevisionView> envRevisions(String app, String env) {
    return ConfigResource.revisions(values(), known(app), Names.env(env));
  }

  private ConfigValues values() {
    return releases.configValues();
  }

  private String known(String app) {
    return apps.require(app).name();
  }
}
