package dev.tarmac.builder.service;

import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.microprofile.config.Config;

/**
 * The apps the service builds: registered through the API (kept in the store as {@code
 * apps/<app>/app.json}) or configured as {@code tarmac.apps.<name>.repo} (and {@code .watch}).
 */
@ApplicationScoped
public class AppRegistry {
  @Inject ArtifactStore store;
  @Inject Config config;
  @Inject Clock clock;

  public App register(String name, String repo, boolean watch) {
    if (!Names.isApp(name)) {
      throw ApiProblem.badRequest(
          "'"
              + name
              + "' is not a valid app name: use 1 to 63 of a-z 0-9 _ -, starting with a letter or digit");
    }
    checkRepo(repo);
    App app = new App(name, repo, watch, clock.instant());
    store.put(StoreLayout.app(name), Json.write(app));
    return app;
  }

  public static void checkRepo(String repo) {
    String scheme = repo == null ? null : schemeOf(repo);
    if ("ssh".equals(scheme)) {
      throw ApiProblem.badRequest(
          "repo '"
              + repo
              + "': ssh:// repositories are not supported yet; use an https:// or file:// URL");
    }
    if (scheme == null || !List.of("file", "http", "https", "git").contains(scheme)) {
      throw ApiProblem.badRequest(
          "repo '"
              + repo
              + "' is not a git URL; use https:// or file:// (e.g. https://git.example.com/team/shop.git)");
    }
  }

  private static String schemeOf(String repo) {
    try {
      return URI.create(repo).getScheme();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  public Optional<App> find(String name) {
    if (!Names.isApp(name)) {
      return Optional.empty();
    }
    String key = StoreLayout.app(name);
    if (store.exists(key)) {
      return Optional.of(Json.read(store.readAllBytes(key), App.class));
    }
    return config
        .getOptionalValue("tarmac.apps." + name + ".repo", String.class)
        .map(
            repo ->
                new App(
                    name,
                    repo,
                    config
                        .getOptionalValue("tarmac.apps." + name + ".watch", Boolean.class)
                        .orElse(false),
                    null));
  }

  public App require(String name) {
    return find(name)
        .orElseThrow(
            () ->
                ApiProblem.notFound(
                    "no app named '"
                        + name
                        + "'; register it with POST /api/apps {\"name\":\""
                        + name
                        + "\",\"repo\":\"<git url>\"}"));
  }

  public List<App> all() {
    Map<String, App> apps = new TreeMap<>();
    for (String property : config.getPropertyNames()) {
      if (property.startsWith("tarmac.apps.") && property.endsWith(".repo")) {
        String name =
            property.substring("tarmac.apps.".length(), property.length() - ".repo".length());
        find(name).ifPresent(a -> apps.put(name, a));
      }
    }
    for (ObjectInfo info : store.list(StoreLayout.appsPrefix())) {
      if (info.key().endsWith("/app.json") && info.key().split("/").length == 3) {
        App app = Json.read(store.readAllBytes(info.key()), App.class);
        apps.put(app.name(), app);
      }
    }
    return new ArrayList<>(apps.values());
  }
}
