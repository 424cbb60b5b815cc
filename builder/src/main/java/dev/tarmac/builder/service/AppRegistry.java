package dev.tarmac.builder.service;

import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.git.RepoUrls;
import dev.tarmac.builder.settings.TarmacSettings;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.StoredJson;
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

/**
 * The apps the service builds: registered through the API (kept in the store as {@code
 * apps/<app>/app.json}) or configured as {@code tarmac.apps.<name>.repo} (and {@code .watch}).
 */
@ApplicationScoped
public class AppRegistry {
  @Inject ArtifactStore store;
  @Inject TarmacSettings settings;
  @Inject Clock clock;
  @Inject RepoSecrets secrets;
  @Inject TagWatcher watcher;

  /**
   * Registers (or replaces) an app. A password in an {@code https://user:password@} URL is taken
   * out of it and kept as the app's token, like {@code token}; {@code deployKey} is for {@code
   * ssh://} (docs/operations.md, "Private repositories"). Everything is checked before anything is
   * kept.
   */
  public App register(String name, String repo, boolean watch, String token, String deployKey) {
    return register(name, repo, watch, token, deployKey, List.of());
  }

  /** The same, with the branch globs a webhook's push builds ({@code apps add --branches}). */
  public App register(
      String name,
      String repo,
      boolean watch,
      String token,
      String deployKey,
      List<String> branches) {
    if (branches.size() > App.MAX_BRANCH_GLOBS) {
      throw ApiProblem.badRequest(
          "branches has " + branches.size() + " globs, more than " + App.MAX_BRANCH_GLOBS);
    }
    for (String glob : branches) {
      String problem = App.checkBranchGlob(glob);
      if (problem != null) {
        throw ApiProblem.badRequest(problem);
      }
    }
    if (!Names.isApp(name)) {
      throw ApiProblem.badRequest(
          "'"
              + name
              + "' is not a valid app name: use 1 to 63 of a-z 0-9 _ -, starting with a letter or digit");
    }
    String scheme = checkRepo(repo);
    String password = password(repo);
    if (password != null) {
      if (token != null) {
        throw ApiProblem.badRequest(
            "repo has a password in it and a token was sent too; send one of them");
      }
      token = password;
      repo = withoutPassword(repo);
    }
    checkCredentials(name, scheme, token, deployKey);
    checkPlainHttp(repo, scheme, token);
    checkTokenStays(name, repo, token);
    if ("ssh".equals(scheme)
        && deployKey == null
        && secrets.shown(name).filter(c -> c.kind() == RepoSecrets.Kind.DEPLOY_KEY).isEmpty()) {
      throw ApiProblem.badRequest(
          "repo '"
              + repo
              + "' is an ssh:// URL: send its deploy key too (tarmac apps add "
              + name
              + " "
              + repo
              + " --deploy-key-file FILE)");
    }
    Optional<App> before = find(name);
    RepoSecrets.Kept kept = secrets.kept(name);
    try {
      if (token != null) {
        secrets.setToken(name, token);
      } else if (deployKey != null) {
        secrets.setDeployKey(name, deployKey);
      }
    } catch (IllegalArgumentException e) {
      throw ApiProblem.badRequest(e.getMessage());
    }
    App app = new App(name, repo, watch, clock.instant(), branches);
    try {
      // a watched app's tags are listed (with its new credential) before it is kept
      watcher.register(app, before, () -> store.put(StoreLayout.app(name), Json.write(app)));
    } catch (RuntimeException e) {
      secrets.restore(kept);
      throw e;
    }
    return app;
  }

  /**
   * Forgets a registered app: its registration and its credential. Its builds and release histories
   * stay in the store (registering it again finds them). Refused while one of its environments is
   * locked (a release is running), and for an app configured by {@code tarmac.apps.<name>.repo}.
   */
  public void remove(String name) {
    App app = require(name);
    if (!store.exists(StoreLayout.app(name))) {
      throw new ApiProblem(
          409,
          "Configured",
          name
              + " comes from the service's configuration (tarmac.apps."
              + name
              + ".repo); remove it there and restart the service");
    }
    for (ObjectInfo info : store.list(StoreLayout.envsPrefix(name))) {
      if (info.key().endsWith("/lock.json")) {
        String env = info.key().substring(StoreLayout.envsPrefix(name).length()).split("/")[0];
        throw new ApiProblem(
            409,
            "Locked",
            name
                + "/"
                + env
                + " is locked (a release or rollback is running); wait for it, or see `tarmac lock"
                + " status "
                + name
                + " --env "
                + env
                + "`");
      }
    }
    watcher.forget(
        app.name(),
        () -> {
          store.delete(StoreLayout.app(app.name()));
          secrets.remove(app.name());
        });
  }

  /** Sets an app's token or deploy key (exactly one), replacing what it had. */
  public void setCredential(String name, String token, String deployKey) {
    App app = require(name);
    if ((token == null) == (deployKey == null)) {
      throw ApiProblem.badRequest(
          "send {\"token\":\"...\"} for an https:// repository or {\"deployKey\":\"...\"} for an"
              + " ssh:// one");
    }
    checkCredentials(name, checkRepo(app.repo()), token, deployKey);
    checkPlainHttp(app.repo(), checkRepo(app.repo()), token);
    try {
      if (token != null) {
        secrets.setToken(name, token);
      } else {
        secrets.setDeployKey(name, deployKey);
      }
    } catch (IllegalArgumentException e) {
      throw ApiProblem.badRequest(e.getMessage());
    }
  }

  private static void checkCredentials(String name, String scheme, String token, String deployKey) {
    if (token != null && deployKey != null) {
      throw ApiProblem.badRequest("send a token or a deploy key for " + name + ", not both");
    }
    if (token != null && !RepoSecrets.schemes(RepoSecrets.Kind.TOKEN).contains(scheme)) {
      throw ApiProblem.badRequest(
          "a token is for https:// repositories; "
              + name
              + "'s is "
              + scheme
              + "://"
              + ("ssh".equals(scheme) ? " (send a deploy key instead)" : ""));
    }
    if (deployKey != null && !RepoSecrets.schemes(RepoSecrets.Kind.DEPLOY_KEY).contains(scheme)) {
      throw ApiProblem.badRequest(
          "a deploy key is for ssh:// repositories; " + name + "'s is " + scheme + "://");
    }
  }

  /**
   * A token goes over plain {@code http://} only to this machine (a git host on loopback): to
   * another it would cross the network in clear (docs/operations.md, "Private repositories").
   */
  private static void checkPlainHttp(String repo, String scheme, String token) {
    String host = token == null || !"http".equals(scheme) ? null : URI.create(repo).getHost();
    if (host != null
        && !host.equalsIgnoreCase("localhost")
        && !host.matches("127\\.\\d+\\.\\d+\\.\\d+|\\[::1\\]")) {
      throw ApiProblem.badRequest(
          "repo '"
              + RepoUrls.redact(repo)
              + "' is plain http://: its token would cross the network unencrypted; use "
              + RepoUrls.redact(repo).replaceFirst("^http://", "https://"));
    }
  }

  /**
   * A token kept for an app is sent only to the origin (scheme, host, port) it was given for: an
   * app re-registered on another origin without a token of its own is refused, rather than handing
   * the kept token to that host (docs/operations.md, "Private repositories").
   */
  private void checkTokenStays(String name, String repo, String token) {
    if (token != null
        || secrets.shown(name).filter(c -> c.kind() == RepoSecrets.Kind.TOKEN).isEmpty()) {
      return;
    }
    String before = find(name).map(a -> RepoSecrets.origin(a.repo())).orElse(null);
    String after = RepoSecrets.origin(repo);
    if (before != null && !before.equals(after)) {
      throw ApiProblem.badRequest(
          "the token kept for "
              + name
              + " was given for "
              + before
              + ", and repo '"
              + RepoUrls.redact(repo)
              + "' is on "
              + after
              + ": send that host's token with it (tarmac apps add "
              + name
              + " REPO --token-file FILE), or first remove the kept one (tarmac apps credential "
              + name
              + " --remove); nothing was changed");
    }
  }

  /** The repository URL's scheme, when it is one the service fetches from. */
  public static String checkRepo(String repo) {
    String scheme = repo == null ? null : schemeOf(repo);
    if (scheme == null && repo != null && repo.matches("[^/:@]+@[^/:]+:.*")) {
      throw ApiProblem.badRequest(
          "repo '"
              + repo
              + "' is scp-like; write it as a URL: ssh://"
              + repo.replaceFirst(":", "/"));
    }
    if (scheme == null || !List.of("file", "http", "https", "git", "ssh").contains(scheme)) {
      throw ApiProblem.badRequest(
          "repo '"
              + RepoUrls.redact(repo)
              + "' is not a git URL; use https://, ssh:// or file:// (e.g. https://git.example.com/team/shop.git)");
    }
    return scheme;
  }

  private static String password(String repo) {
    String info = URI.create(repo).getRawUserInfo();
    int colon = info == null ? -1 : info.indexOf(':');
    return colon < 0
        ? null
        : java.net.URLDecoder.decode(
            info.substring(colon + 1), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String withoutPassword(String repo) {
    URI uri = URI.create(repo);
    String info = uri.getRawUserInfo();
    String user = info.substring(0, info.indexOf(':'));
    return repo.replaceFirst(
        java.util.regex.Pattern.quote(info + "@"),
        java.util.regex.Matcher.quoteReplacement(user.isEmpty() ? "" : user + "@"));
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
    Optional<App> registered = StoredJson.find(store, StoreLayout.app(name), App.class);
    if (registered.isPresent()) {
      return registered;
    }
    TarmacSettings.App configured = settings.apps().get(name);
    if (configured == null) {
      return Optional.empty();
    }
    return configured.repo().map(repo -> new App(name, repo, configured.watch(), null));
  }

  public App require(String name) {
    return find(name).orElseThrow(() -> ApiProblem.notFound(unknown(name, names())));
  }

  /**
   * No app is called {@code name}: the one registered that is closest, if any, and how to register
   * one (exact words tested in AppRegistryWordsTest).
   */
  static String unknown(String name, java.util.Collection<String> registered) {
    return "no app named '"
        + name
        + "'; "
        + dev.tarmac.deploy.config.Suggestions.closest(name, registered)
            .map(s -> "did you mean " + s + "? Or register it: ")
            .orElse("register it: ")
        + "tarmac apps add "
        + name
        + " GIT_URL";
  }

  private List<String> names() {
    return all().stream().map(App::name).toList();
  }

  public List<App> all() {
    Map<String, App> apps = new TreeMap<>();
    for (String name : settings.apps().keySet()) {
      find(name).ifPresent(a -> apps.put(name, a));
    }
    for (ObjectInfo info : store.list(StoreLayout.appsPrefix())) {
      if (info.key().endsWith("/app.json") && info.key().split("/").length == 3) {
        // one removed since the listing is left out
        StoredJson.find(store, info.key(), App.class).ifPresent(app -> apps.put(app.name(), app));
      }
    }
    return new ArrayList<>(apps.values());
  }
}
