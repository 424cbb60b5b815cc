package dev.tarmac.builder.service;

import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.Version;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The names a request carries, checked once where it comes in (a resource, a page) and handed on as
 * {@link AppName}, {@code EnvName}, {@link Version} (docs/architecture.md, "Names checked once"),
 * with the answers the service has always given: an app no one registered is a 404 (a name that
 * cannot be one included), a version that cannot be one a 400 saying what a version may be, on
 * pages too; an environment's name that cannot be one is refused by {@code EnvName.of} itself (an
 * {@link IllegalArgumentException}: 400 from the API, 409 on a page).
 */
@ApplicationScoped
public class RequestNames {
  @Inject AppRegistry apps;

  /** A registered app's name: 404 naming the closest one registered, as {@link AppRegistry}. */
  public AppName registeredApp(String app) {
    apps.require(app);
    return AppName.of(app);
  }

  /** A version: bad input (400), not a missing build, when it cannot be one. */
  public static Version version(String version) {
    try {
      return Version.of(version);
    } catch (IllegalArgumentException bad) {
      throw ApiProblem.badRequest(bad.getMessage());
    }
  }
}
