package dev.tarmac.builder.service;

import dev.tarmac.deploy.config.ConfigException;
import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.EnvironmentDefinition;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.release.EnvLock;
import dev.tarmac.deploy.release.EnvLocks;
import dev.tarmac.deploy.store.Builds;
import dev.tarmac.deploy.store.Environments;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreConflictException;
import io.quarkus.logging.Log;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The environments registered in the service (docs/environments.md): where an app's code runs and
 * which versions may go there, set by an admin, versioned in the store ({@link Environments}).
 * Releases, rollbacks, plans, status and the dashboard read them here; a {@code tarmac.yml} at a
 * tag never decides where code runs.
 */
@ApplicationScoped
public class EnvironmentRegistry {
  @Inject ArtifactStore store;
  @Inject AppRegistry apps;
  @Inject BuildService builds;

  private Environments environments;
  private Builds built;

  /** One environment as the API answers it: its definition in full and the revision in force. */
  public record EnvView(
      String app,
      String env,
      long revision,
      String by,
      Instant at,
      List<String> changes,
      Map<String, Object> definition) {
    static EnvView of(Environments.Revision r) {
      return new EnvView(
          r.app(), r.env(), r.revision(), r.by(), r.at(), r.changes(), r.definition());
    }
  }

  @PostConstruct
  void init() {
    environments = new Environments(store);
    built = new Builds(store);
  }

  /** The environments of {@code app} registered now, by name. */
  public Map<String, Environments.Registered> list(String app) {
    apps.require(app);
    return environments.list(Names.app(app));
  }

  public List<EnvView> views(String app) {
    return list(app).values().stream().map(r -> EnvView.of(r.revision())).toList();
  }

  public Optional<Environments.Registered> find(String app, String env) {
    return environments.find(Names.app(app), Names.env(env));
  }

  /**
   * The registered environment; refused (404) before any lock when there is none, saying how to
   * register it. {@code version}: the version being released, for the hint (null: none).
   */
  public Environments.Registered require(String app, String env, String version) {
    apps.require(app);
    return find(app, env).orElseThrow(() -> notRegistered(app, env, version));
  }

  static ApiProblem notRegistered(String app, String env, String version) {
    return new ApiProblem(
        404,
        "Environment not registered",
        "environment "
            + env
            + " of "
            + app
            + " is not registered in the service (where code runs is no longer read from"
            + " tarmac.yml); an admin registers it once from a build's tarmac.yml: tarmac env"
            + " import "
            + app
            + " "
            + env
            + " --from "
            + (version == null ? "<version>" : version)
            + ", or writes it: tarmac env set "
            + app
            + " "
            + env
            + " FILE.yml (docs/environments.md)");
  }

  public EnvView view(String app, String env) {
    return EnvView.of(require(app, env, null).revision());
  }

  public List<EnvView> revisions(String app, String env) {
    apps.require(app);
    List<EnvView> out =
        environments.revisions(Names.app(app), Names.env(env)).stream().map(EnvView::of).toList();
    if (out.isEmpty()) {
      throw notRegistered(app, env, null);
    }
    return out;
  }

  /**
   * Registers {@code text} (the YAML or JSON of a {@code tarmac.yml} environment block, with {@code
   * versions}) as {@code env}'s newest revision, by {@code who}.
   */
  public EnvView set(String app, String env, String text, String who) {
    apps.require(app);
    String e = Names.env(env);
    EnvironmentDefinition def;
    try {
      def = ConfigReader.readEnvironment(text, e, "environment " + e + " of " + app);
    } catch (ConfigException ex) {
      throw new ApiProblem(400, "Invalid environment", ex.getMessage());
    }
    return put(app, def, who);
  }

  /**
   * Registers the {@code environments.<env>} block of {@code version}'s {@code tarmac.yml} (the
   * newest successful build when null), once: refused when {@code env} is registered already.
   */
  public EnvView importFrom(String app, String env, String version, String who) {
    apps.require(app);
    String e = Names.env(env);
    find(app, e)
        .ifPresent(
            r -> {
              throw new ApiProblem(
                  409,
                  "Already registered",
                  "environment "
                      + e
                      + " of "
                      + app
                      + " is registered already (revision "
                      + r.revision().revision()
                      + " by "
                      + r.revision().by()
                      + "); an import is done once. Change it with tarmac env set "
                      + app
                      + " "
                      + e
                      + " FILE.yml (tarmac env show "
                      + app
                      + " "
                      + e
                      + " prints it)");
            });
    String v = version;
    if (v == null || v.isBlank()) {
      // no guess: the newest build is whatever someone tagged or pushed last, and its block
      // would decide where env's code runs (docs/environments.md, "Migrating from environments:
      // in tarmac.yml")
      List<String> newest =
          builds.list(app).stream()
              .filter(x -> x.status() == BuildView.Status.SUCCEEDED)
              .map(BuildView::version)
              .limit(5)
              .toList();
      throw ApiProblem.badRequest(
          "name the build whose tarmac.yml block registers "
              + e
              + " of "
              + app
              + ": tarmac env import "
              + app
              + " "
              + e
              + " --from VERSION (send {\"from\":\"VERSION\"}). Its environments."
              + e
              + " block decides where "
              + e
              + "'s code runs, so read it first; the newest build is whatever was tagged or"
              + " pushed last and is not taken by default"
              + (newest.isEmpty()
                  ? "; " + app + " has no successful build yet"
                  : "; successful builds, newest first: " + String.join(", ", newest))
              + "; nothing was changed");
    }
    Builds.Built b = built.find(app, v).orElseThrow(() -> builds.notFound(app, v));
    TarmacConfig.Environment block = b.config().environments().get(e);
    if (block == null) {
      throw ApiProblem.notFound(
          "tarmac.yml at "
              + app
              + " "
              + v
              + " has no environments."
              + e
              + (b.config().environments().isEmpty()
                  ? ""
                  : "; it defines: " + String.join(", ", b.config().environments().keySet()))
              + "; write the environment instead: tarmac env set "
              + app
              + " "
              + e
              + " FILE.yml (docs/environments.md)");
    }
    return put(app, EnvironmentDefinition.imported(block), who);
  }

  private EnvView put(String app, EnvironmentDefinition def, String who) {
    try {
      Environments.Revision r = environments.put(Names.app(app), def, who, Instant.now());
      Log.infof(
          "%s set environment %s of %s (revision %d): %s",
          who, def.name(), app, r.revision(), String.join("; ", r.changes()));
      return EnvView.of(r);
    } catch (StoreConflictException ex) {
      throw changedMeanwhile(app, def.name());
    }
  }

  /** Removes {@code env}; refused while a release or rollback runs there (its lock is held). */
  public EnvView remove(String app, String env, String who) {
    apps.require(app);
    String e = Names.env(env);
    Optional<EnvLock.Info> lock = new EnvLocks(store).find(Names.app(app), e);
    if (lock.isPresent()) {
      throw new ApiProblem(
          409,
          "Locked",
          "environment "
              + e
              + " of "
              + app
              + " is locked by "
              + lock.get().holder()
              + " ("
              + lock.get().operation()
              + " of "
              + lock.get().version()
              + "); nothing was removed. Wait for it to end, or release the lock (tarmac lock"
              + " release "
              + app
              + " --env "
              + e
              + ")");
    }
    try {
      return environments
          .remove(Names.app(app), e, who, Instant.now())
          .map(EnvView::of)
          .orElseThrow(() -> notRegistered(app, e, null));
    } catch (StoreConflictException ex) {
      throw changedMeanwhile(app, e);
    }
  }

  private static ApiProblem changedMeanwhile(String app, String env) {
    return new ApiProblem(
        409,
        "Changed meanwhile",
        "environment "
            + env
            + " of "
            + app
            + " was changed by someone else at the same time; nothing was changed by this"
            + " request. Read it again (tarmac env show "
            + app
            + " "
            + env
            + ") and send your change again");
  }

  /**
   * Refuses (409) a version {@code reg}'s {@code versions} does not allow, naming the rule; before
   * any lock.
   */
  public static void requireAllowed(Environments.Registered reg, BuildRecord build) {
    EnvironmentDefinition d = reg.definition();
    if (!d.allows(build.version(), build.tag())) {
      throw new ApiProblem(
          409,
          "Version not allowed",
          build.version()
              + " may not go to "
              + d.name()
              + " of "
              + build.app()
              + ": its versions are "
              + (d.versions().isEmpty()
                  ? "tags (versions built from a tag)"
                  : String.join(", ", d.versions()))
              + "; nothing was changed. An admin changes the rule with tarmac env set "
              + build.app()
              + " "
              + d.name()
              + " FILE.yml (docs/environments.md)");
    }
  }

  /**
   * The warning when {@code config} (a version's {@code tarmac.yml}) still has an {@code
   * environments.<env>} block that differs from the registered one: it is ignored; empty when it
   * has none or the same.
   */
  public static List<String> ignoredBlock(
      Environments.Registered reg, TarmacConfig config, String version) {
    TarmacConfig.Environment block = config.environments().get(reg.definition().name());
    List<String> out = new ArrayList<>();
    if (block == null) {
      return out;
    }
    List<String> differs =
        new EnvironmentDefinition(block, reg.definition().versions()).changesFrom(reg.definition());
    if (!differs.isEmpty()) {
      out.add(
          "tarmac.yml at "
              + version
              + " has environments."
              + reg.definition().name()
              + ", which is ignored: code goes to the registered environment (revision "
              + reg.revision().revision()
              + "), not to what the block says ("
              + String.join("; ", differs)
              + "); remove the environments: block from tarmac.yml (docs/environments.md)");
    }
    return out;
  }
}
