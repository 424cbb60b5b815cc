package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Caller;
import dev.tarmac.builder.auth.Requires;
import dev.tarmac.builder.auth.Role;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.AppRegistry;
import dev.tarmac.builder.service.ReleaseService;
import dev.tarmac.deploy.store.ConfigValues;
import dev.tarmac.deploy.store.ConfigValues.Change;
import dev.tarmac.deploy.store.ConfigValues.Revision;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An app's configuration values and secrets, app-wide ({@code /api/apps/{app}/config}, shared by
 * its environments) and per environment ({@code /api/apps/{app}/envs/{env}/config}, overriding the
 * app's): docs/configuration-and-secrets.md. A secret is write-only: every answer shows its name,
 * fingerprint and who set it when, never its value. Admins set anything; a deployer of the
 * environment sets and unsets its plain values, not its secrets, and nothing app-wide.
 */
@Path("/api/apps/{app}/config")
@Produces(MediaType.APPLICATION_JSON)
public class ConfigResource {
  /** The body of a PUT: plain values and secrets to set, names to remove; each optional. */
  public record ChangeBody(
      Map<String, String> values, Map<String, String> secrets, List<String> unset) {
    @Override
    public String toString() {
      return "ChangeBody"; // never a value in a log line
    }
  }

  /** One name as shown: a plain value, or a secret's fingerprint; who set it, when. */
  public record ValueView(boolean secret, String value, String fingerprint, String by, Instant at) {
    static ValueView of(ConfigValues.Value v) {
      return new ValueView(
          v.secret(), v.secret() ? null : v.value(), v.fingerprint(), v.by(), v.at());
    }
  }

  /** A scope's configuration as shown: its newest revision, without any secret's value. */
  public record ConfigView(
      String app,
      String env,
      long revision,
      String who,
      Instant at,
      List<String> changed,
      Map<String, ValueView> values) {
    static ConfigView of(Revision r) {
      Map<String, ValueView> out = new TreeMap<>();
      r.values().forEach((k, v) -> out.put(k, ValueView.of(v)));
      return new ConfigView(r.app(), r.env(), r.number(), r.who(), r.at(), r.changed(), out);
    }
  }

  /** One revision in the history: who changed which names when (no value at all). */
  public record RevisionView(long revision, String who, Instant at, List<String> changed) {}

  /** The most revisions a history answer lists. */
  static final int HISTORY = 100;

  @Inject ReleaseService releases;
  @Inject AppRegistry apps;
  @Inject Caller caller;

  @GET
  public ConfigView appConfig(String app) {
    return ConfigView.of(values().latest(known(app), null));
  }

  @PUT
  @Consumes(MediaType.APPLICATION_JSON)
  @Requires(Role.ADMIN)
  public ConfigView setAppConfig(String app, ChangeBody body) {
    return ConfigView.of(values().set(known(app), null, caller.name(), change(body)));
  }

  @GET
  @Path("revisions")
  public List<RevisionView> appRevisions(String app) {
    return revisions(values(), known(app), null);
  }

  static List<RevisionView> revisions(ConfigValues values, String app, String env) {
    return values.revisions(app, env, HISTORY).stream()
        .map(r -> new RevisionView(r.number(), r.who(), r.at(), r.changed()))
        .toList();
  }

  private ConfigValues values() {
    return releases.configValues();
  }

  private String known(String app) {
    return apps.require(app).name();
  }

  static Change change(ChangeBody body) {
    if (body == null) {
      throw ApiProblem.badRequest(
          "send {\"values\":{\"NAME\":\"value\"},\"secrets\":{\"NAME\":\"value\"},"
              + "\"unset\":[\"NAME\"]}; at least one name");
    }
    Change c = new Change();
    if (body.values() != null) {
      body.values().forEach((k, v) -> c.plain(k, nonNull(k, v)));
    }
    if (body.secrets() != null) {
      body.secrets().forEach((k, v) -> c.secret(k, nonNull(k, v)));
    }
    if (body.unset() != null) {
      body.unset().forEach(c::unset);
    }
    return c;
  }

  private static String nonNull(String name, String value) {
    if (value == null) {
      throw ApiProblem.badRequest(
          name + " has no value (null); to remove it, list it in \"unset\"");
    }
    return value;
  }
}
