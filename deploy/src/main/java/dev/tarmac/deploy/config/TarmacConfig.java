package dev.tarmac.deploy.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The validated content of an app's {@code tarmac.yml}: how to build it and how to release it. Made
 * only by {@link ConfigReader}, which checks every key once, on load.
 */
public record TarmacConfig(
    String app,
    Build build,
    Release release,
    Map<String, Environment> environments,
    Optional<Config> config) {

  /** A {@code tarmac.yml} without a {@code config:} block. */
  public TarmacConfig(
      String app, Build build, Release release, Map<String, Environment> environments) {
    this(app, build, release, environments, Optional.empty());
  }

  /**
   * The {@code config:} block (docs/configuration-and-secrets.md): the file the app's values and
   * secrets are rendered into, relative to the release directory, and the names a release refuses
   * to go without.
   */
  public record Config(String file, List<String> required) {
    public static final String DEFAULT_FILE = ".env";
  }

  /**
   * One Dart Sass compilation: {@code from} to {@code to}; {@code loadPaths} are directories of the
   * tree where {@code @use}/{@code @import} also look; {@code sourceMap} writes {@code to.map}.
   */
  public record SassEntry(String from, String to, List<String> loadPaths, boolean sourceMap) {
    public SassEntry(String from, String to) {
      this(from, to, List.of(), false);
    }
  }

  /**
   * The build section. Order (see docs/architecture.md): {@code commands}, {@code sass}, {@code
   * minify}, {@code after}, {@code fingerprint}, {@code exclude}. {@code minifyTargets} are esbuild
   * targets ({@code es2015}, {@code chrome58}…); empty means "from the project's browserslist, else
   * the default". {@code env}: the variables the commands get besides PATH, HOME, LANG and
   * TARMAC_*. {@code cache}: paths kept from one build of the app to its next ({@code ~/.npm} under
   * the build's HOME, {@code node_modules/.cache} in the tree); {@code cacheKey}: the lock files
   * whose content is part of the cache's key (docs/architecture.md, "The build cache").
   */
  public record Build(
      List<SassEntry> sass,
      List<String> minify,
      List<String> commands,
      List<String> after,
      List<String> exclude,
      List<String> minifyTargets,
      Duration timeout,
      Map<String, String> env,
      Optional<Fingerprint> fingerprint,
      List<String> cache,
      List<String> cacheKey) {
    /** {@code build.timeout}'s bounds: 0 would fail every command, a day is past any build. */
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);

    public static final Duration MAX_TIMEOUT = Duration.ofHours(24);

    /** The most {@code build.cache} paths an app may give. */
    public static final int MAX_CACHE_PATHS = 16;

    public Build {
      cache = List.copyOf(cache);
      cacheKey = List.copyOf(cacheKey);
    }

    /** Without a cache (docs/tarmac-yml.md, {@code build.cache}). */
    public Build(
        List<SassEntry> sass,
        List<String> minify,
        List<String> commands,
        List<String> after,
        List<String> exclude,
        List<String> minifyTargets,
        Duration timeout,
        Map<String, String> env,
        Optional<Fingerprint> fingerprint) {
      this(
          sass,
          minify,
          commands,
          after,
          exclude,
          minifyTargets,
          timeout,
          env,
          fingerprint,
          List.of(),
          List.of());
    }

    public Build(
        List<SassEntry> sass,
        List<String> minify,
        List<String> commands,
        List<String> exclude,
        Duration timeout) {
      this(
          sass,
          minify,
          commands,
          List.of(),
          exclude,
          List.of(),
          timeout,
          Map.of(),
          Optional.empty());
    }
  }

  /**
   * {@code build.fingerprint}: content-hashed copies of the files under {@code root} that {@code
   * include} (globs relative to {@code root}) matches, and the manifest {@code
   * <root>/tarmac-assets.json} (docs/cdn-and-caches.md).
   */
  public record Fingerprint(String root, List<String> include, boolean rewriteHtml) {
    public static final List<String> DEFAULT_INCLUDE =
        List.of("css/**", "js/**", "img/**", "fonts/**");
    public static final String MANIFEST = "tarmac-assets.json";
  }

  /**
   * {@code release.cdn}: the public base URL under which {@code cdn/<app>/} is served; {@code
   * grace}: how old an asset no kept release references must be before the clean-up removes it
   * (docs/cdn-and-caches.md, "Removing what no kept release references").
   */
  public record Cdn(String url, Duration grace) {
    public static final Duration DEFAULT_GRACE = Duration.ofHours(24);
    public static final Duration MAX_GRACE = Duration.ofDays(365);

    public Cdn(String url) {
      this(url, DEFAULT_GRACE);
    }
  }

  /**
   * One {@code release.purge} entry: after the switch, {@code method} {@code url} with {@code
   * headers}, from every host ({@code curl}; {@code {host}} and {@code {version}} filled in) or
   * once from the service; a failure is a warning unless {@code required} (then: switch back).
   */
  public record Purge(
      String url,
      String method,
      Map<String, String> headers,
      boolean fromHosts,
      boolean required) {}

  /** One hook: a command for {@code sh -c}, run on hosts with one of {@code roles} (all: empty). */
  public record Hook(String run, List<String> roles) {
    public boolean runsOn(Host host) {
      return roles.isEmpty() || roles.stream().anyMatch(host::hasRole);
    }
  }

  /**
   * The release's hooks. {@code contract}: once, on the primary db host, after every host is
   * switched and healthy on the new version and the old processes stopped (docs/releasing.md,
   * "Expand and contract"); its failure is a warning, the new version serves.
   */
  public record Hooks(
      List<Hook> prepare,
      List<Hook> backup,
      List<Hook> migrate,
      List<Hook> restore,
      List<Hook> activate,
      List<Hook> contract) {

    /** Hooks without a contract phase. */
    public Hooks(
        List<Hook> prepare,
        List<Hook> backup,
        List<Hook> migrate,
        List<Hook> restore,
        List<Hook> activate) {
      this(prepare, backup, migrate, restore, activate, List.of());
    }

    /** The commands of {@code phase} that run on {@code host}, in order. */
    public static List<String> on(List<Hook> phase, Host host) {
      return phase.stream().filter(h -> h.runsOn(host)).map(Hook::run).toList();
    }

    /**
     * The commands of a once-only phase ({@code migrate}, {@code backup}, {@code restore}, {@code
     * contract}).
     */
    public static List<String> commands(List<Hook> phase) {
      return phase.stream().map(Hook::run).toList();
    }
  }

  /** The health check fetched from each host after activation. */
  public record Health(String url, Duration timeout, Optional<String> contains) {
    /**
     * {@code release.health.timeout}'s bounds: curl's whole seconds, and no longer than an hour.
     */
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);

    public static final Duration MAX_TIMEOUT = Duration.ofHours(1);
  }

  /**
   * The release section. {@code keep}: releases kept on each host; {@code keepBuilds}: builds of
   * the app kept in the store, read by the service after each build (docs/architecture.md,
   * "Retention in the store").
   */
  public record Release(
      int keep,
      int keepBuilds,
      List<String> shared,
      Hooks hooks,
      Optional<Health> health,
      Optional<Cdn> cdn,
      List<Purge> purge,
      Map<String, AppProcess> processes,
      Optional<Proxy> proxy,
      Duration keepWarm) {
    public static final int DEFAULT_KEEP_BUILDS = 20;

    /**
     * The longest {@code keep_warm}: a day (docs/processes.md, "Keeping the previous release
     * warm").
     */
    public static final Duration MAX_KEEP_WARM = Duration.ofDays(1);

    /** Without {@code keep_warm}: the previous release's processes stop after the drain. */
    public Release(
        int keep,
        int keepBuilds,
        List<String> shared,
        Hooks hooks,
        Optional<Health> health,
        Optional<Cdn> cdn,
        List<Purge> purge,
        Map<String, AppProcess> processes,
        Optional<Proxy> proxy) {
      this(keep, keepBuilds, shared, hooks, health, cdn, purge, processes, proxy, Duration.ZERO);
    }

    public Release(
        int keep,
        int keepBuilds,
        List<String> shared,
        Hooks hooks,
        Optional<Health> health,
        Optional<Cdn> cdn,
        List<Purge> purge) {
      this(keep, keepBuilds, shared, hooks, health, cdn, purge, Map.of(), Optional.empty());
    }

    /** The processes with {@code port: true}, in order: the ones the proxy sends requests to. */
    public List<AppProcess> served() {
      return processes.values().stream().filter(AppProcess::port).toList();
    }
  }

  /**
   * One {@code release.processes} entry: {@code command} run by the host's supervisor in the
   * release's directory, next to the live release's ones, before the switch; with {@code port} it
   * gets {@code $PORT} and the proxy sends it requests; {@code health} is checked on that port
   * before the barrier; {@code drain}: how long the old one keeps running after the switch; {@code
   * roles}: only on hosts with one of them (all: empty); {@code afterSwitch} ({@code start:
   * after_switch}): never two copies on a host, the old one stopped before the new one starts, in
   * the finish (docs/processes.md).
   */
  public record AppProcess(
      String name,
      String command,
      boolean port,
      Optional<ProcessHealth> health,
      Duration drain,
      List<String> roles,
      boolean afterSwitch) {
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(10);
    public static final Duration MAX_DRAIN = Duration.ofHours(1);

    public AppProcess {
      roles = List.copyOf(roles);
    }

    /** On every host, started in prepare. */
    public AppProcess(
        String name, String command, boolean port, Optional<ProcessHealth> health, Duration drain) {
      this(name, command, port, health, drain, List.of(), false);
    }

    /** Whether it runs on {@code host}: no {@code roles}, or one of them is the host's. */
    public boolean runsOn(Host host) {
      return roles.isEmpty() || roles.stream().anyMatch(host::hasRole);
    }
  }

  /** {@code release.processes.<name>.health}: GET {@code path} on the process's own port. */
  public record ProcessHealth(String path, Optional<String> contains, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  }

  /**
   * {@code release.proxy}: the nginx upstream file Tarmac writes on every host (included by the
   * user's {@code http} block) and the command that reloads nginx gracefully. A relative {@code
   * nginx} is under each host's {@code deploy_to} ({@link #on}).
   */
  public record Proxy(String nginx, String reload) {
    /** On the host whose {@code deploy_to} is {@code deployTo}: the file's absolute path. */
    public Proxy on(String deployTo) {
      return new Proxy(underDeployTo(deployTo, nginx), reload);
    }
  }

  /**
   * {@code environments.<name>.supervisor}: the host's supervisord config ({@code supervisorctl
   * -c}) and the directory its {@code [include]} reads, where Tarmac writes one program file each.
   * Relative paths are under each host's {@code deploy_to} ({@link #on}): several hosts on one
   * machine, each with a supervisord of its own (docs/processes.md, "Several hosts on one
   * machine").
   */
  public record Supervisor(String conf, String include) {
    /** On the host whose {@code deploy_to} is {@code deployTo}: both paths absolute. */
    public Supervisor on(String deployTo) {
      return new Supervisor(underDeployTo(deployTo, conf), underDeployTo(deployTo, include));
    }
  }

  /** {@code path} when absolute, else {@code <deployTo>/<path>}. */
  static String underDeployTo(String deployTo, String path) {
    return path.startsWith("/") ? path : deployTo.replaceAll("/+$", "") + "/" + path;
  }

  public record Host(
      String name,
      String address,
      int port,
      String user,
      String deployTo,
      List<String> roles,
      int ports) {
    /** The first port handed to processes by default ({@code ports}). */
    public static final int DEFAULT_PORTS = 3100;

    public Host(
        String name, String address, int port, String user, String deployTo, List<String> roles) {
      this(name, address, port, user, deployTo, roles, DEFAULT_PORTS);
    }

    public boolean isLocal() {
      return "local".equals(address);
    }

    public boolean hasRole(String role) {
      return roles.contains(role);
    }
  }

  public record Environment(
      String name,
      String deployTo,
      String user,
      int parallel,
      boolean acceptNewHostKeys,
      List<Host> hosts,
      Optional<Supervisor> supervisor) {
    public Environment(
        String name,
        String deployTo,
        String user,
        int parallel,
        boolean acceptNewHostKeys,
        List<Host> hosts) {
      this(name, deployTo, user, parallel, acceptNewHostKeys, hosts, Optional.empty());
    }

    /** The primary database host: the first with the {@code db} role. */
    public Optional<Host> primaryDb() {
      return hosts.stream().filter(h -> h.hasRole("db")).findFirst();
    }
  }

  /**
   * This app's build and release with {@code env} as its only environment: where code runs comes
   * from the service's registered environment, never from the {@code tarmac.yml} at the tag
   * (docs/environments.md).
   *
   * @throws ConfigException when {@code release.processes} needs a supervisor {@code env} lacks
   */
  public TarmacConfig withEnvironment(Environment env) {
    if (!release.processes().isEmpty() && env.supervisor().isEmpty()) {
      throw new ConfigException(
          "environment " + env.name() + " of " + app,
          List.of(
              "supervisor is required by release.processes of tarmac.yml: { conf:"
                  + " /etc/supervisor/supervisord.conf, include: /etc/supervisor/conf.d }, the"
                  + " supervisord of the hosts (docs/processes.md)"),
          "Add it with `tarmac env set "
              + app
              + " "
              + env.name()
              + " FILE.yml` (docs/environments.md); nothing was changed.");
    }
    return new TarmacConfig(app, build, release, Map.of(env.name(), env), config);
  }

  public Environment environment(String name) {
    Environment env = environments.get(name);
    if (env == null) {
      throw new ConfigException(
          "tarmac.yml",
          List.of(
              "environments."
                  + name
                  + " is not defined; defined: "
                  + String.join(", ", environments.keySet())));
    }
    return env;
  }
}
