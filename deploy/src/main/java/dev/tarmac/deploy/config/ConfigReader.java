package dev.tarmac.deploy.config;

import dev.tarmac.deploy.config.TarmacConfig.AppProcess;
import dev.tarmac.deploy.config.TarmacConfig.Build;
import dev.tarmac.deploy.config.TarmacConfig.Cdn;
import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Fingerprint;
import dev.tarmac.deploy.config.TarmacConfig.Health;
import dev.tarmac.deploy.config.TarmacConfig.Hook;
import dev.tarmac.deploy.config.TarmacConfig.Hooks;
import dev.tarmac.deploy.config.TarmacConfig.Host;
import dev.tarmac.deploy.config.TarmacConfig.ProcessHealth;
import dev.tarmac.deploy.config.TarmacConfig.Proxy;
import dev.tarmac.deploy.config.TarmacConfig.Purge;
import dev.tarmac.deploy.config.TarmacConfig.Release;
import dev.tarmac.deploy.config.TarmacConfig.SassEntry;
import dev.tarmac.deploy.config.TarmacConfig.Supervisor;
import dev.tarmac.distributor.model.Names;
import java.io.StringReader;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and validates {@code tarmac.yml}. Every problem is reported with its line, its key (dotted,
 * e.g. {@code environments.production.hosts[1].port}) and what is expected; unknown keys are
 * errors, so a typo never silently does nothing.
 */
public final class ConfigReader {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
  private static final Pattern ABS_PATH = Pattern.compile("/[A-Za-z0-9._/@+-]*");
  private static final Pattern REL_PATH = Pattern.compile("[A-Za-z0-9._@+-][A-Za-z0-9._/@+-]*");
  private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
  private static final Pattern ROLE = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:_-]{0,252}");

  private final String file;
  private final List<String> problems = new ArrayList<>();
  private final Set<String> supervisorGiven = new LinkedHashSet<>();
  private Map<String, Node> lastMapping;

  private ConfigReader(String file) {
    this.file = file;
  }

  /** Parses {@code text}; {@code file} names it in errors (e.g. "tarmac.yml at v1.4.0"). */
  public static TarmacConfig read(String text, String file) {
    ConfigReader reader = new ConfigReader(file);
    TarmacConfig config = reader.parse(text);
    if (!reader.problems.isEmpty()) {
      throw new ConfigException(file, reader.problems);
    }
    return config;
  }

  /**
   * Parses the definition of an environment registered in the service (docs/environments.md): the
   * block a {@code tarmac.yml} has under {@code environments.<name>}, with the same rules and
   * messages (keys named from the block's top, e.g. {@code hosts[1].port}), plus {@code versions}.
   *
   * @throws ConfigException naming every problem, its line and key
   */
  public static EnvironmentDefinition readEnvironment(String text, String name, String file) {
    ConfigReader reader = new ConfigReader(file);
    EnvironmentDefinition def = reader.parseEnvironment(text, name);
    if (!reader.problems.isEmpty()) {
      throw new ConfigException(
          file,
          reader.problems,
          "Fix it and send it again; nothing was changed (docs/environments.md).");
    }
    return def;
  }

  private EnvironmentDefinition parseEnvironment(String text, String name) {
    Node root = compose(text);
    if (root == null) {
      if (problems.isEmpty()) {
        problems.add("it is empty; it needs at least `deploy_to:` and `hosts:`");
      }
      return null;
    }
    Environment env = environment(name, root, "", Set.of("versions"));
    List<String> versions = EnvironmentDefinition.TAGS;
    Node v = lastMapping == null ? null : lastMapping.get("versions");
    if (v instanceof ScalarNode s) {
      if (!s.getValue().equals("tags")) {
        problem(
            v,
            "versions",
            "expected `tags` or a list of globs such as [\"v*\", \"main-*\"], got '"
                + s.getValue()
                + "'");
      }
    } else if (v != null) {
      versions = strings(v, "versions");
      if (versions.isEmpty()) {
        problem(v, "versions", "is empty: no version could go there; write `tags` or globs");
      }
      for (String glob : versions) {
        if (!EnvironmentDefinition.GLOB.matcher(glob).matches()) {
          problem(
              v,
              "versions",
              "'" + glob + "' is not a glob of a version (letters, digits, . _ - and * ?)");
        }
      }
    }
    if (env == null) {
      return null;
    }
    return new EnvironmentDefinition(env, versions);
  }

  /** The YAML (or JSON) document of {@code text}; null with a problem when it does not parse. */
  private Node compose(String text) {
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(10);
      return new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      problems.add(
          "line " + (e.getProblemMark().getLine() + 1) + ": not valid YAML: " + e.getProblem());
      return null;
    } catch (RuntimeException e) {
      problems.add("not valid YAML: " + e.getMessage());
      return null;
    }
  }

  private TarmacConfig parse(String text) {
    Node root = compose(text);
    if (!problems.isEmpty()) {
      return null;
    }
    if (root == null) {
      problems.add("the file is empty; it needs at least `app:` (docs/tarmac-yml.md)");
      return null;
    }
    Map<String, Node> top =
        mapping(root, "", Set.of("app", "build", "release", "environments", "config"));
    if (top == null) {
      return null;
    }
    String app = requiredString(top, "app", "");
    if (app != null && !Names.isApp(app)) {
      problem(top.get("app"), "app", "expected 1 to 63 of a-z 0-9 _ -, got '" + app + "'");
    }
    Build build = build(top.get("build"));
    Release release = release(top.get("release"));
    if (release.cdn().isPresent() && build.fingerprint().isEmpty()) {
      problems.add(
          "release.cdn needs build.fingerprint: only fingerprinted files (their names change with"
              + " their content) go to the CDN; add build.fingerprint: { root: public }");
    }
    Map<String, Environment> environments = environments(top.get("environments"));
    if (!release.processes().isEmpty()) {
      for (Environment env : environments.values()) {
        if (env.supervisor().isEmpty() && !supervisorGiven.contains(env.name())) {
          problems.add(
              "environments."
                  + env.name()
                  + ".supervisor is required by release.processes: { conf:"
                  + " /etc/supervisor/supervisord.conf, include: /etc/supervisor/conf.d }, the"
                  + " supervisord of the hosts (docs/processes.md)");
        }
      }
    }
    Optional<TarmacConfig.Config> config = config(top.get("config"), release);
    return new TarmacConfig(app, build, release, environments, config);
  }

  /** A name of the app's configuration (docs/configuration-and-secrets.md). */
  public static final Pattern CONFIG_NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");

  private Optional<TarmacConfig.Config> config(Node node, Release release) {
    if (node == null) {
      return Optional.empty();
    }
    Map<String, Node> m = mapping(node, "config", Set.of("file", "required"));
    if (m == null) {
      return Optional.empty();
    }
    String file = TarmacConfig.Config.DEFAULT_FILE;
    if (m.containsKey("file")) {
      String f = scalar(m.get("file"), "config.file");
      if (f != null) {
        if (!checkRelative(f) || f.endsWith("/") || f.startsWith(".tarmac")) {
          problem(
              m.get("file"),
              "config.file",
              "expected a file name relative to the release directory (no .., no leading /, not"
                  + " under .tarmac), got '"
                  + f
                  + "'");
        } else {
          file = f;
        }
      }
    }
    for (String shared : release.shared()) {
      if ((file + "/").startsWith(shared + "/")) {
        problem(
            m.getOrDefault("file", node),
            "config.file",
            "'"
                + file
                + "' is under release.shared '"
                + shared
                + "': Tarmac writes it into each release; remove it from release.shared"
                + " (docs/configuration-and-secrets.md)");
      }
    }
    List<String> required = new ArrayList<>();
    if (m.containsKey("required")) {
      List<Node> items = sequence(m.get("required"), "config.required");
      for (int i = 0; i < items.size(); i++) {
        String name = scalar(items.get(i), "config.required[" + i + "]");
        if (name == null) {
          continue;
        }
        if (!CONFIG_NAME.matcher(name).matches() || name.length() > 128) {
          problem(
              items.get(i),
              "config.required[" + i + "]",
              "expected a name of A-Z 0-9 _ (not starting with a digit, at most 128), got '"
                  + name
                  + "'");
        } else if (required.contains(name)) {
          problem(items.get(i), "config.required[" + i + "]", name + " is listed twice");
        } else {
          required.add(name);
        }
      }
    }
    return Optional.of(new TarmacConfig.Config(file, List.copyOf(required)));
  }

  private static final Pattern ESBUILD_TARGET =
      Pattern.compile(
          "(?:es(?:next|5|6|20[1-9][0-9])"
              + "|(?:chrome|edge|firefox|safari|ios|ie|opera|node|deno|hermes|rhino)"
              + "[0-9]+(?:\\.[0-9]+){0,2})");

  private Build build(Node node) {
    Map<String, Node> m =
        node == null
            ? Map.of()
            : mapping(
                node,
                "build",
                Set.of(
                    "sass",
                    "sass_load_paths",
                    "minify",
                    "minify_target",
                    "commands",
                    "after",
                    "exclude",
                    "timeout",
                    "env",
                    "fingerprint",
                    "cache",
                    "cache_key"));
    if (m == null) {
      m = Map.of();
    }
    List<String> defaultLoadPaths =
        relativePaths(m.get("sass_load_paths"), "build.sass_load_paths");
    List<SassEntry> sass = new ArrayList<>();
    Node sassNode = m.get("sass");
    if (sassNode != null) {
      List<Node> items = sequence(sassNode, "build.sass");
      for (int i = 0; i < items.size(); i++) {
        String key = "build.sass[" + i + "]";
        Map<String, Node> entry =
            mapping(items.get(i), key, Set.of("from", "to", "load_paths", "source_map"));
        if (entry != null) {
          String from = relativePath(entry, "from", key);
          String to = relativePath(entry, "to", key);
          List<String> loadPaths =
              entry.get("load_paths") == null
                  ? defaultLoadPaths
                  : relativePaths(entry.get("load_paths"), key + ".load_paths");
          boolean sourceMap = bool(entry.get("source_map"), key + ".source_map", false);
          if (from != null && to != null) {
            sass.add(new SassEntry(from, to, loadPaths, sourceMap));
          }
        }
      }
    }
    return new Build(
        sass,
        strings(m.get("minify"), "build.minify"),
        strings(m.get("commands"), "build.commands"),
        strings(m.get("after"), "build.after"),
        strings(m.get("exclude"), "build.exclude"),
        minifyTargets(m.get("minify_target")),
        duration(
            m.get("timeout"),
            "build.timeout",
            Duration.ofMinutes(10),
            Build.MIN_TIMEOUT,
            Build.MAX_TIMEOUT),
        buildEnv(m.get("env")),
        fingerprint(m.get("fingerprint")),
        cachePaths(m.get("cache")),
        cacheKey(m.get("cache_key"), m.containsKey("cache")));
  }

  /**
   * {@code build.cache}: paths under the build's HOME ({@code ~/.npm}) or in the tree ({@code
   * node_modules/.cache}); nothing else of the machine, no {@code ..}, none inside another.
   */
  private List<String> cachePaths(Node node) {
    String key = "build.cache";
    List<String> out = new ArrayList<>();
    if (node == null) {
      return out;
    }
    List<Node> items = sequence(node, key);
    if (items.size() > Build.MAX_CACHE_PATHS) {
      problem(
          node,
          key,
          "has "
              + items.size()
              + " paths, more than "
              + Build.MAX_CACHE_PATHS
              + "; cache the directories that hold them instead");
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String raw = scalar(item, key + "[" + i + "]");
      if (raw == null) {
        continue;
      }
      String path = raw.replaceAll("/+$", "");
      String inside = path.startsWith("~/") ? path.substring(2) : path;
      if (!checkRelative(inside) || ("/" + inside + "/").contains("/./") || inside.equals(".")) {
        problem(
            item,
            key + "[" + i + "]",
            "expected a path under the build's HOME (~/.npm) or in the tree"
                + " (node_modules/.cache), without .. or . and not absolute, got '"
                + raw
                + "'");
        continue;
      }
      for (int j = 0; j < out.size(); j++) {
        String other = out.get(j);
        if ((path + "/").startsWith(other + "/") || (other + "/").startsWith(path + "/")) {
          problem(
              item,
              key + "[" + i + "]",
              "'" + raw + "' overlaps build.cache[" + j + "] ('" + other + "'); keep one of them");
        }
      }
      out.add(path);
    }
    return out;
  }

  /** {@code build.cache_key}: files of the tree whose content keys the cache (lock files). */
  private List<String> cacheKey(Node node, boolean cache) {
    if (node != null && !cache) {
      problem(
          node,
          "build.cache_key",
          "needs build.cache: the paths the key is for, such as build.cache: [~/.npm]");
    }
    return relativePaths(node, "build.cache_key");
  }

  /** {@code build.fingerprint: {root, include, rewrite_html}} (docs/cdn-and-caches.md). */
  private Optional<Fingerprint> fingerprint(Node node) {
    String key = "build.fingerprint";
    Map<String, Node> m =
        node == null ? null : mapping(node, key, Set.of("root", "include", "rewrite_html"));
    if (m == null) {
      return Optional.empty();
    }
    String root = relativePath(m, "root", key);
    List<String> include =
        m.get("include") == null
            ? Fingerprint.DEFAULT_INCLUDE
            : strings(m.get("include"), key + ".include");
    for (String glob : include) {
      if (glob.startsWith("/") || ("/" + glob + "/").contains("/../") || glob.isBlank()) {
        problem(
            m.get("include"),
            key + ".include",
            "'" + glob + "' must be a glob relative to " + key + ".root, such as css/**");
      }
    }
    if (include.isEmpty()) {
      problem(m.get("include"), key + ".include", "is empty: give globs such as [\"css/**\"]");
    }
    boolean html = bool(m.get("rewrite_html"), key + ".rewrite_html", false);
    return root == null
        ? Optional.empty()
        : Optional.of(new Fingerprint(root.replaceAll("/+$", ""), include, html));
  }

  /** {@code build.env}: NAME: value pairs; HOME and TARMAC_* are Tarmac's own. */
  private Map<String, String> buildEnv(Node node) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node == null) {
      return out;
    }
    Map<String, Node> m = mapping(node, "build.env", null);
    if (m == null) {
      return out;
    }
    for (Map.Entry<String, Node> e : m.entrySet()) {
      String key = "build.env." + e.getKey();
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        problem(
            e.getValue(),
            key,
            "not a variable name; expected letters, digits and _ (not starting with a digit)");
      } else if (e.getKey().equals("HOME") || e.getKey().startsWith("TARMAC_")) {
        problem(
            e.getValue(),
            key,
            "is set by Tarmac for every build (HOME is the build's own, TARMAC_* describe it); use another name");
      } else {
        String value = scalar(e.getValue(), key);
        if (value != null) {
          out.put(e.getKey(), value);
        }
      }
    }
    return out;
  }

  /** {@code es2015}, {@code "chrome58,safari10"} or a list of such; checked against esbuild's. */
  private List<String> minifyTargets(Node node) {
    if (node == null) {
      return List.of();
    }
    List<String> raw =
        node instanceof SequenceNode
            ? strings(node, "build.minify_target")
            : java.util.Arrays.asList(
                java.util.Objects.requireNonNullElse(scalar(node, "build.minify_target"), "")
                    .split("[,\\s]+"));
    List<String> out = new ArrayList<>();
    for (String t : raw) {
      String target = t.trim().toLowerCase(java.util.Locale.ROOT);
      if (target.isEmpty()) {
        continue;
      }
      if (ESBUILD_TARGET.matcher(target).matches()) {
        out.add(target);
      } else {
        problem(
            node,
            "build.minify_target",
            "'"
                + t
                + "' is not an esbuild target; use es5, es2015…es2024, esnext, or a browser and"
                + " version such as chrome58, safari10, ios10, firefox60, edge18, ie11");
      }
    }
    return out;
  }

  private List<String> relativePaths(Node node, String key) {
    List<String> out = new ArrayList<>();
    List<String> values = strings(node, key);
    for (int i = 0; i < values.size(); i++) {
      String path = values.get(i);
      if (checkRelative(path)) {
        out.add(path.replaceAll("/+$", ""));
      } else {
        problem(
            node,
            key + "[" + i + "]",
            "expected a relative path inside the repository (no .., no leading /), got '"
                + path
                + "'");
      }
    }
    return out;
  }

  private Release release(Node node) {
    Map<String, Node> m =
        node == null
            ? Map.of()
            : mapping(
                node,
                "release",
                Set.of(
                    "keep",
                    "keep_builds",
                    "shared",
                    "hooks",
                    "health",
                    "cdn",
                    "purge",
                    "processes",
                    "proxy",
                    "keep_warm"));
    if (m == null) {
      m = Map.of();
    }
    int keep = integer(m.get("keep"), "release.keep", 5, 2, 1000);
    int keepBuilds =
        integer(
            m.get("keep_builds"), "release.keep_builds", Release.DEFAULT_KEEP_BUILDS, 1, 100000);
    List<String> shared = new ArrayList<>();
    Node sharedNode = m.get("shared");
    if (sharedNode != null) {
      List<Node> items = sequence(sharedNode, "release.shared");
      for (int i = 0; i < items.size(); i++) {
        String path = scalar(items.get(i), "release.shared[" + i + "]");
        if (path != null) {
          if (checkRelative(path)) {
            shared.add(path.replaceAll("/+$", ""));
          } else {
            problem(
                items.get(i),
                "release.shared[" + i + "]",
                "expected a relative path inside the release (no .., no leading /), got '"
                    + path
                    + "'");
          }
        }
      }
    }
    for (int i = 0; i < shared.size(); i++) {
      for (int j = 0; j < shared.size(); j++) {
        if (i != j && (shared.get(j) + "/").startsWith(shared.get(i) + "/")) {
          problem(
              sharedNode,
              "release.shared",
              "'"
                  + shared.get(j)
                  + "' lies inside '"
                  + shared.get(i)
                  + "', which is shared already (and listed once each); keep only '"
                  + shared.get(i)
                  + "'");
        }
      }
    }
    Map<String, Node> h =
        m.get("hooks") == null
            ? Map.of()
            : mapping(
                m.get("hooks"),
                "release.hooks",
                Set.of("prepare", "backup", "migrate", "restore", "activate", "contract"));
    if (h == null) {
      h = Map.of();
    }
    Hooks hooks =
        new Hooks(
            hooks(h.get("prepare"), "release.hooks.prepare", true),
            hooks(h.get("backup"), "release.hooks.backup", false),
            hooks(h.get("migrate"), "release.hooks.migrate", false),
            hooks(h.get("restore"), "release.hooks.restore", false),
            hooks(h.get("activate"), "release.hooks.activate", true),
            hooks(h.get("contract"), "release.hooks.contract", false));
    Optional<Health> health = Optional.empty();
    if (m.get("health") != null) {
      Map<String, Node> hm =
          mapping(m.get("health"), "release.health", Set.of("url", "timeout", "contains"));
      if (hm != null) {
        String url = requiredString(hm, "url", "release.health");
        if (url != null && !url.matches("https?://[^\\s'\"]+")) {
          problem(
              hm.get("url"),
              "release.health.url",
              "expected an http:// or https:// URL, got '" + url + "'");
        }
        Duration timeout =
            duration(
                hm.get("timeout"),
                "release.health.timeout",
                Duration.ofSeconds(10),
                Health.MIN_TIMEOUT,
                Health.MAX_TIMEOUT);
        String contains =
            hm.get("contains") == null
                ? null
                : scalar(hm.get("contains"), "release.health.contains");
        health = Optional.of(new Health(url, timeout, Optional.ofNullable(contains)));
      }
    }
    Optional<Cdn> cdn = Optional.empty();
    Map<String, Node> cm =
        m.get("cdn") == null ? null : mapping(m.get("cdn"), "release.cdn", Set.of("url", "grace"));
    if (cm != null) {
      String url = requiredString(cm, "url", "release.cdn");
      if (url != null && !url.matches("https?://[A-Za-z0-9.:-]+(/[A-Za-z0-9._~%/-]*)?")) {
        problem(
            cm.get("url"),
            "release.cdn.url",
            "expected the public http(s) URL that serves cdn/<app>/, such as"
                + " https://cdn.example.com/shop (no query, no quotes), got '"
                + url
                + "'");
      }
      // at most a year: assets are cached for a year anyway
      Duration grace =
          duration(
              cm.get("grace"),
              "release.cdn.grace",
              Cdn.DEFAULT_GRACE,
              Duration.ZERO,
              Cdn.MAX_GRACE);
      if (url != null && url.matches("https?://[A-Za-z0-9.:-]+(/[A-Za-z0-9._~%/-]*)?")) {
        cdn = Optional.of(new Cdn(url.replaceAll("/+$", ""), grace));
      }
    }
    Map<String, AppProcess> processes = processes(m.get("processes"));
    Optional<Proxy> proxy = proxy(m.get("proxy"));
    boolean served = processes.values().stream().anyMatch(AppProcess::port);
    if (served && proxy.isEmpty() && m.get("proxy") == null) {
      problem(
          m.get("processes"),
          "release.processes",
          "a process with port: true needs release.proxy: { nginx: <the upstream file Tarmac"
              + " writes>, reload: <the command that reloads nginx> } (docs/processes.md)");
    }
    if (!served && m.get("proxy") != null) {
      problem(
          m.get("proxy"),
          "release.proxy",
          "no process of release.processes has port: true, so there is nothing to send requests"
              + " to; add one or remove release.proxy");
    }
    Duration keepWarm =
        duration(
            m.get("keep_warm"),
            "release.keep_warm",
            Duration.ZERO,
            Duration.ZERO,
            Release.MAX_KEEP_WARM);
    if (processes.isEmpty() && m.get("keep_warm") != null && !keepWarm.isZero()) {
      problem(
          m.get("keep_warm"),
          "release.keep_warm",
          "keeps the previous release's processes running, and release.processes has none; add"
              + " release.processes or remove release.keep_warm (docs/processes.md)");
    }
    if (!keepWarm.isZero() && !hooks.contract().isEmpty()) {
      // the warm processes (its workers too) would run on a schema the contract changed, for a
      // rollback that is refused across a contract anyway
      problem(
          m.get("keep_warm"),
          "release.keep_warm",
          "keeps the previous release's processes running, and release.hooks.contract drops what"
              + " they use (a rollback across it is refused); remove one of the two"
              + " (docs/processes.md, \"Keeping the previous release warm\")");
    }
    return new Release(
        keep,
        keepBuilds,
        shared,
        hooks,
        health,
        cdn,
        purges(m.get("purge")),
        processes,
        proxy,
        keepWarm);
  }

  private static final Pattern PROCESS_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

  /**
   * {@code release.processes}: {@code name: {command, port, health: {path, contains, timeout},
   * drain, roles, start}} (docs/processes.md).
   */
  private Map<String, AppProcess> processes(Node node) {
    Map<String, AppProcess> out = new LinkedHashMap<>();
    Map<String, Node> all = node == null ? null : mapping(node, "release.processes", null);
    if (all == null) {
      return out;
    }
    for (Map.Entry<String, Node> e : all.entrySet()) {
      String k = "release.processes." + e.getKey();
      if (!PROCESS_NAME.matcher(e.getKey()).matches()) {
        problem(
            e.getValue(), k, "a process name is 1 to 32 of a-z 0-9 _ -, starting with a letter");
        continue;
      }
      Map<String, Node> pm =
          mapping(e.getValue(), k, Set.of("command", "port", "health", "drain", "roles", "start"));
      if (pm == null) {
        continue;
      }
      String command = requiredString(pm, "command", k);
      if (command != null && (command.isBlank() || command.matches("(?s).*[\\r\\n].*"))) {
        problem(
            pm.get("command"),
            k + ".command",
            "expected a one-line command, such as node server.js");
        command = null;
      }
      boolean port = bool(pm.get("port"), k + ".port", false);
      Optional<ProcessHealth> health = Optional.empty();
      if (pm.get("health") != null) {
        Map<String, Node> hm =
            mapping(pm.get("health"), k + ".health", Set.of("path", "contains", "timeout"));
        if (hm != null) {
          String path = requiredString(hm, "path", k + ".health");
          if (path != null && !path.matches("/[A-Za-z0-9._~%/?=&+-]*")) {
            problem(
                hm.get("path"),
                k + ".health.path",
                "expected a path on the process's port, such as /health, got '" + path + "'");
            path = null;
          }
          String contains =
              hm.get("contains") == null
                  ? null
                  : scalar(hm.get("contains"), k + ".health.contains");
          Duration timeout =
              duration(
                  hm.get("timeout"),
                  k + ".health.timeout",
                  ProcessHealth.DEFAULT_TIMEOUT,
                  Health.MIN_TIMEOUT,
                  Health.MAX_TIMEOUT);
          if (!port) {
            problem(
                pm.get("health"),
                k + ".health",
                "is checked on the process's own port: it needs port: true");
          }
          if (path != null) {
            health = Optional.of(new ProcessHealth(path, Optional.ofNullable(contains), timeout));
          }
        }
      }
      Duration drain =
          duration(
              pm.get("drain"),
              k + ".drain",
              AppProcess.DEFAULT_DRAIN,
              Duration.ZERO,
              AppProcess.MAX_DRAIN);
      List<String> roles = strings(pm.get("roles"), k + ".roles");
      if (pm.get("roles") != null && roles.isEmpty()) {
        problem(pm.get("roles"), k + ".roles", "expected at least one role, e.g. [worker]");
      }
      for (String role : roles) {
        if (!role.matches("[a-z0-9_-]+")) {
          problem(pm.get("roles"), k + ".roles", "'" + role + "' is not a role name (a-z 0-9 _ -)");
        }
      }
      if (port && !roles.isEmpty()) {
        problem(
            pm.get("roles"),
            k + ".roles",
            "a process with port: true runs on every host (each host's proxy sends it requests);"
                + " roles are for processes without a port");
      }
      String start = pm.get("start") == null ? "prepare" : scalar(pm.get("start"), k + ".start");
      if (start != null && !start.equals("prepare") && !start.equals("after_switch")) {
        problem(
            pm.get("start"),
            k + ".start",
            "expected prepare (the default: next to the live one, before the switch) or"
                + " after_switch (never two copies: the old one stops, then the new one starts),"
                + " got '"
                + start
                + "'");
      }
      boolean afterSwitch = "after_switch".equals(start);
      if (afterSwitch && port) {
        problem(
            pm.get("start"),
            k + ".start",
            "after_switch starts the process once the proxy switched, so nothing could send it"
                + " requests or check it first: remove port: true (and health), or start");
      }
      if (command != null) {
        out.put(
            e.getKey(),
            new AppProcess(e.getKey(), command, port, health, drain, roles, afterSwitch));
      }
    }
    if (all.isEmpty()) {
      problem(node, "release.processes", "is empty: name at least one process, or remove the key");
    }
    return out;
  }

  /** {@code release.proxy: {nginx: <upstream file>, reload: <command>}}. */
  private Optional<Proxy> proxy(Node node) {
    String k = "release.proxy";
    Map<String, Node> m = node == null ? null : mapping(node, k, Set.of("nginx", "reload"));
    if (m == null) {
      return Optional.empty();
    }
    if (m.get("nginx") == null) {
      problem(
          node,
          k + ".nginx",
          "is required: the upstream file Tarmac writes, such as /etc/nginx/tarmac/shop.conf");
    }
    String file = hostPath(m.get("nginx"), k + ".nginx");
    String reload =
        m.get("reload") == null ? "nginx -s reload" : scalar(m.get("reload"), k + ".reload");
    if (reload != null && (reload.isBlank() || reload.matches("(?s).*[\\r\\n].*"))) {
      problem(
          m.get("reload"),
          k + ".reload",
          "expected a one-line command, such as sudo systemctl reload nginx");
      reload = null;
    }
    return file == null || reload == null ? Optional.empty() : Optional.of(new Proxy(file, reload));
  }

  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]{1,64}");

  /** {@code release.purge}: {@code [{url, method, headers, from: hosts|service, required}]}. */
  private List<Purge> purges(Node node) {
    List<Purge> out = new ArrayList<>();
    List<Node> items = node == null ? List.of() : sequence(node, "release.purge");
    for (int i = 0; i < items.size(); i++) {
      String k = "release.purge[" + i + "]";
      Map<String, Node> pm =
          mapping(items.get(i), k, Set.of("url", "method", "headers", "from", "required"));
      if (pm == null) {
        continue;
      }
      String url = requiredString(pm, "url", k);
      String method = pm.get("method") == null ? "PURGE" : scalar(pm.get("method"), k + ".method");
      String from = pm.get("from") == null ? "hosts" : scalar(pm.get("from"), k + ".from");
      if (url != null && !url.matches("https?://[^\\s'\"]+")) {
        problem(
            pm.get("url"), k + ".url", "expected an http:// or https:// URL, got '" + url + "'");
      }
      if (method != null && !Set.of("PURGE", "BAN", "POST", "DELETE", "GET").contains(method)) {
        problem(
            pm.get("method"),
            k + ".method",
            "expected PURGE, BAN, POST, DELETE or GET, got '" + method + "'");
      }
      if (from != null && !from.equals("hosts") && !from.equals("service")) {
        problem(
            pm.get("from"),
            k + ".from",
            "expected hosts (curl on every host) or service (once, from the service), got '"
                + from
                + "'");
      }
      if (url != null && "service".equals(from) && url.contains("{host}")) {
        problem(
            pm.get("url"),
            k + ".url",
            "{host} is filled in only with from: hosts; the service sends this once");
      }
      Map<String, String> headers = new LinkedHashMap<>();
      Map<String, Node> hm =
          pm.get("headers") == null ? Map.of() : mapping(pm.get("headers"), k + ".headers", null);
      for (Map.Entry<String, Node> h : (hm == null ? Map.<String, Node>of() : hm).entrySet()) {
        String value = scalar(h.getValue(), k + ".headers." + h.getKey());
        if (!HEADER_NAME.matcher(h.getKey()).matches()
            || (value != null && value.matches(".*[\\r\\n].*"))) {
          problem(
              h.getValue(),
              k + ".headers." + h.getKey(),
              "expected a header name (letters, digits, -) and a one-line value");
        } else if (value != null) {
          headers.put(h.getKey(), value);
        }
      }
      boolean required = bool(pm.get("required"), k + ".required", false);
      if (url != null && method != null) {
        out.add(new Purge(url, method, headers, !"service".equals(from), required));
      }
    }
    return out;
  }

  private Map<String, Environment> environments(Node node) {
    Map<String, Environment> out = new LinkedHashMap<>();
    if (node == null) {
      return out;
    }
    Map<String, Node> envs = mapping(node, "environments", null);
    if (envs == null) {
      return out;
    }
    for (Map.Entry<String, Node> e : envs.entrySet()) {
      String name = e.getKey();
      String key = "environments." + name;
      try {
        Names.env(name);
      } catch (IllegalArgumentException ex) {
        problem(e.getValue(), key, ex.getMessage());
        continue;
      }
      Environment env = environment(name, e.getValue(), key, Set.of());
      if (env != null) {
        out.put(name, env);
      }
    }
    return out;
  }

  /**
   * One environment's block ({@code environments.<name>} of a {@code tarmac.yml}, or the body of an
   * environment registered in the service: then {@code key} is empty and {@code extra} holds {@code
   * versions}); null when it is not a mapping.
   */
  private Environment environment(String name, Node node, String key, Set<String> extra) {
    Set<String> allowed =
        new LinkedHashSet<>(
            List.of(
                "deploy_to",
                "user",
                "parallel",
                "accept_new_host_keys",
                "hosts",
                "supervisor",
                "ports"));
    allowed.addAll(extra);
    lastMapping = mapping(node, key, allowed);
    Map<String, Node> m = lastMapping;
    if (m == null) {
      return null;
    }
    String p = key.isEmpty() ? "" : key + ".";
    String deployTo = absolutePath(m.get("deploy_to"), p + "deploy_to");
    String user = m.get("user") == null ? null : user(m.get("user"), p + "user");
    int parallel = integer(m.get("parallel"), p + "parallel", 10, 1, 1000);
    boolean acceptNew = bool(m.get("accept_new_host_keys"), p + "accept_new_host_keys", false);
    Optional<Supervisor> supervisor = supervisor(m.get("supervisor"), p + "supervisor");
    if (m.get("supervisor") != null) {
      supervisorGiven.add(name);
    }
    int ports = ports(m.get("ports"), p + "ports", Host.DEFAULT_PORTS);
    List<Host> hosts = new ArrayList<>();
    if (m.get("hosts") == null) {
      problem(node, p + "hosts", "is required: list the hosts of this environment");
    } else {
      List<Node> items = sequence(m.get("hosts"), p + "hosts");
      Set<String> names = new LinkedHashSet<>();
      Map<String, String> localDirs = new LinkedHashMap<>();
      for (int i = 0; i < items.size(); i++) {
        Host host = host(items.get(i), p + "hosts[" + i + "]", deployTo, user, ports);
        if (host != null && !names.add(host.name())) {
          problem(
              items.get(i), p + "hosts[" + i + "].name", "'" + host.name() + "' is listed twice");
        } else if (host != null) {
          String other =
              host.isLocal() && host.deployTo() != null
                  ? localDirs.putIfAbsent(host.deployTo(), host.name())
                  : null;
          if (other != null) {
            problem(
                items.get(i),
                p + "hosts[" + i + "].deploy_to",
                "hosts "
                    + other
                    + " and "
                    + host.name()
                    + " are both local with deploy_to "
                    + host.deployTo()
                    + ": they would overwrite each other; give each its own deploy_to");
          }
          hosts.add(host);
        }
      }
      if (items.isEmpty()) {
        problem(m.get("hosts"), p + "hosts", "is empty: list at least one host");
      }
    }
    return new Environment(name, deployTo, user, parallel, acceptNew, hosts, supervisor);
  }

  /**
   * {@code supervisor: {conf, include}}: paths on the hosts, absolute or under each host's {@code
   * deploy_to}.
   */
  private Optional<Supervisor> supervisor(Node node, String key) {
    Map<String, Node> m = node == null ? null : mapping(node, key, Set.of("conf", "include"));
    if (m == null) {
      return Optional.empty();
    }
    for (String part : List.of("conf", "include")) {
      if (m.get(part) == null) {
        problem(
            node,
            key + "." + part,
            "is required: "
                + (part.equals("conf")
                    ? "the supervisord config supervisorctl -c reads, such as"
                        + " /etc/supervisor/supervisord.conf"
                    : "the directory its [include] reads, such as /etc/supervisor/conf.d"));
      }
    }
    String conf = hostPath(m.get("conf"), key + ".conf");
    String include = hostPath(m.get("include"), key + ".include");
    return conf == null || include == null
        ? Optional.empty()
        : Optional.of(new Supervisor(conf, include));
  }

  /** {@code ports}: the first of the ports handed to processes; 2 per process with a port. */
  private int ports(Node node, String key, int fallback) {
    return integer(node, key, fallback, 1024, 65000);
  }

  private Host host(Node node, String key, String envDeployTo, String envUser, int envPorts) {
    Map<String, Node> m =
        mapping(
            node, key, Set.of("name", "address", "port", "user", "deploy_to", "roles", "ports"));
    if (m == null) {
      return null;
    }
    String name = requiredString(m, "name", key);
    if (name != null && !HOST_NAME.matcher(name).matches()) {
      problem(
          m.get("name"),
          key + ".name",
          "expected letters, digits and ._- (at most 63), got '" + name + "'");
    }
    String address = m.get("address") == null ? name : scalar(m.get("address"), key + ".address");
    if (address != null && !ADDRESS.matcher(address).matches()) {
      problem(
          m.get("address"),
          key + ".address",
          "expected a host name, an IP address or `local`, got '" + address + "'");
    }
    int port = integer(m.get("port"), key + ".port", 22, 1, 65535);
    String user = m.get("user") == null ? envUser : user(m.get("user"), key + ".user");
    String deployTo =
        m.get("deploy_to") == null
            ? envDeployTo
            : absolutePath(m.get("deploy_to"), key + ".deploy_to");
    if (deployTo == null && m.get("deploy_to") == null) {
      problem(
          node,
          key + ".deploy_to",
          "is required (here or on the environment): an absolute path such as /srv/shop");
    }
    List<String> roles = strings(m.get("roles"), key + ".roles");
    for (String role : roles) {
      if (!ROLE.matcher(role).matches()) {
        problem(m.get("roles"), key + ".roles", "'" + role + "' is not a role name (a-z 0-9 _ -)");
      }
    }
    if (m.get("roles") == null) {
      roles = List.of("web");
    }
    return new Host(
        name,
        address,
        port,
        user,
        deployTo,
        roles,
        ports(m.get("ports"), key + ".ports", envPorts));
  }

  // ---- typed readers over YAML nodes ----

  private Map<String, Node> mapping(Node node, String key, Set<String> allowed) {
    if (!(node instanceof MappingNode map)) {
      problem(
          node,
          key.isEmpty() ? "(top level)" : key,
          "expected a mapping of keys to values, got " + kind(node));
      return null;
    }
    Map<String, Node> out = new LinkedHashMap<>();
    for (NodeTuple tuple : map.getValue()) {
      String name = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
      String path = key.isEmpty() ? name : key + "." + name;
      if (name == null) {
        problem(tuple.getKeyNode(), key, "keys must be plain names");
      } else if (allowed != null && !allowed.contains(name)) {
        problem(
            tuple.getKeyNode(),
            path,
            "unknown key; "
                + suggestion(name, allowed)
                + "expected one of: "
                + String.join(", ", new java.util.TreeSet<>(allowed)));
      } else {
        out.put(name, tuple.getValueNode());
      }
    }
    return out;
  }

  /** "did you mean `keep`? " for a key at most two edits from an allowed one, else "". */
  static String suggestion(String name, Set<String> allowed) {
    return Suggestions.closest(name, allowed).map(s -> "did you mean `" + s + "`? ").orElse("");
  }

  private List<Node> sequence(Node node, String key) {
    if (node instanceof SequenceNode seq) {
      return seq.getValue();
    }
    problem(node, key, "expected a list, got " + kind(node));
    return List.of();
  }

  private String scalar(Node node, String key) {
    if (node instanceof ScalarNode s && !s.getTag().getValue().endsWith(":null")) {
      return s.getValue();
    }
    problem(node, key, "expected a single value, got " + kind(node));
    return null;
  }

  /**
   * A hook list: each entry a command (runs on every host) or {@code {run: "...", roles: [...]}}
   * (runs only on hosts with one of those roles). {@code migrate}, {@code backup}, {@code restore}
   * and {@code contract} run once, on the primary db host, so they take no roles.
   */
  private List<Hook> hooks(Node node, String key, boolean rolesAllowed) {
    if (node == null) {
      return List.of();
    }
    List<Hook> out = new ArrayList<>();
    List<Node> items = sequence(node, key);
    for (int i = 0; i < items.size(); i++) {
      String k = key + "[" + i + "]";
      Node item = items.get(i);
      if (item instanceof org.yaml.snakeyaml.nodes.MappingNode) {
        if (!rolesAllowed) {
          problem(
              item,
              k,
              "expected a command: this phase runs once, on the primary db host, so its hooks"
                  + " take no roles");
          continue;
        }
        Map<String, Node> hm = mapping(item, k, Set.of("run", "roles"));
        if (hm == null) {
          continue;
        }
        String run = requiredString(hm, "run", k);
        List<String> roles = strings(hm.get("roles"), k + ".roles");
        if (hm.get("roles") != null && roles.isEmpty()) {
          problem(hm.get("roles"), k + ".roles", "expected at least one role, e.g. [worker]");
        }
        for (String role : roles) {
          if (!role.matches("[a-z0-9_-]+")) {
            problem(
                hm.get("roles"), k + ".roles", "'" + role + "' is not a role name (a-z 0-9 _ -)");
          }
        }
        if (run != null) {
          out.add(new Hook(run, roles));
        }
      } else {
        String run = scalar(item, k);
        if (run != null) {
          out.add(new Hook(run, List.of()));
        }
      }
    }
    return out;
  }

  private List<String> strings(Node node, String key) {
    if (node == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    List<Node> items = sequence(node, key);
    for (int i = 0; i < items.size(); i++) {
      String s = scalar(items.get(i), key + "[" + i + "]");
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  private String requiredString(Map<String, Node> m, String name, String parent) {
    String key = parent.isEmpty() ? name : parent + "." + name;
    if (m.get(name) == null) {
      problems.add(key + " is required");
      return null;
    }
    return scalar(m.get(name), key);
  }

  private String relativePath(Map<String, Node> m, String name, String parent) {
    String value = requiredString(m, name, parent);
    if (value != null && !checkRelative(value)) {
      problem(
          m.get(name),
          parent + "." + name,
          "expected a relative path inside the repository, got '" + value + "'");
      return null;
    }
    return value;
  }

  private static boolean checkRelative(String path) {
    return REL_PATH.matcher(path).matches()
        && !("/" + path + "/").contains("/../")
        && !path.contains("//");
  }

  /**
   * A path on the hosts: absolute, or relative to each host's {@code deploy_to} (no {@code ..}).
   */
  private String hostPath(Node node, String key) {
    if (node == null) {
      return null;
    }
    String value = scalar(node, key);
    if (value != null && !value.startsWith("/")) {
      if (!checkRelative(value)) {
        problem(
            node,
            key,
            "expected an absolute path such as /etc/nginx/tarmac/shop.conf, or one under the"
                + " host's deploy_to such as nginx/shop.conf (letters, digits, ._-/@+, no ..), got '"
                + value
                + "'");
        return null;
      }
      return value.replaceAll("/+$", "");
    }
    return absolutePath(node, key);
  }

  private String absolutePath(Node node, String key) {
    if (node == null) {
      return null;
    }
    String value = scalar(node, key);
    if (value != null
        && (!ABS_PATH.matcher(value).matches()
            || ("/" + value + "/").contains("/../")
            || value.equals("/"))) {
      problem(
          node,
          key,
          "expected an absolute path such as /srv/shop (letters, digits, ._-/@+), got '"
              + value
              + "'");
      return null;
    }
    return value == null ? null : value.replaceAll("/+$", "");
  }

  private String user(Node node, String key) {
    String value = scalar(node, key);
    if (value != null && !USER.matcher(value).matches()) {
      problem(node, key, "expected a user name (a-z 0-9 _ . -), got '" + value + "'");
      return null;
    }
    return value;
  }

  private int integer(Node node, String key, int fallback, int min, int max) {
    if (node == null) {
      return fallback;
    }
    String value = scalar(node, key);
    try {
      int n = Integer.parseInt(value);
      if (n < min || n > max) {
        problem(node, key, "expected a number from " + min + " to " + max + ", got " + n);
        return fallback;
      }
      return n;
    } catch (NumberFormatException e) {
      if (value != null && value.matches("[+-]?[0-9]+")) {
        // a whole number past what an int holds: out of range like any other
        problem(
            node, key, "expected a number from " + min + " to " + max + ", got '" + value + "'");
      } else if (value != null) {
        problem(node, key, "expected a whole number, got '" + value + "'");
      }
      return fallback;
    }
  }

  private boolean bool(Node node, String key, boolean fallback) {
    if (node == null) {
      return fallback;
    }
    String value = scalar(node, key);
    if ("true".equals(value) || "false".equals(value)) {
      return Boolean.parseBoolean(value);
    }
    problem(node, key, "expected true or false, got '" + value + "'");
    return fallback;
  }

  /**
   * A duration from {@code min} to {@code max}; a number past what a {@link Duration} holds is out
   * of range like any other (not a NumberFormatException without line or key).
   */
  private Duration duration(Node node, String key, Duration fallback, Duration min, Duration max) {
    if (node == null) {
      return fallback;
    }
    String value = scalar(node, key);
    Matcher m = value == null ? null : DURATION.matcher(value.trim());
    Duration d = m != null && m.matches() ? durationOf(m.group(1), m.group(2)) : null;
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      if (value != null) {
        problem(
            node,
            key,
            "expected a duration from "
                + shown(min)
                + " to "
                + shown(max)
                + ", such as 500ms, 30s, 10m or 1h, got '"
                + value
                + "'");
      }
      return fallback;
    }
    return d;
  }

  /** {@code digits} of {@code unit} (seconds when null), or null past what a Duration holds. */
  private static Duration durationOf(String digits, String unit) {
    ChronoUnit u =
        switch (unit == null ? "s" : unit) {
          case "ms" -> ChronoUnit.MILLIS;
          case "m" -> ChronoUnit.MINUTES;
          case "h" -> ChronoUnit.HOURS;
          default -> ChronoUnit.SECONDS;
        };
    try {
      return Duration.of(Long.parseLong(digits), u);
    } catch (NumberFormatException | ArithmeticException e) {
      return null;
    }
  }

  /** A bound as tarmac.yml would write it: {@code 0s}, {@code 1s}, {@code 24h}. */
  private static String shown(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    return s != 0 && s % 3600 == 0
        ? s / 3600 + "h"
        : s != 0 && s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  private void problem(Node node, String key, String message) {
    String where = node == null ? "" : "line " + (node.getStartMark().getLine() + 1) + ": ";
    problems.add(where + key + ": " + message);
  }

  private static String kind(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    if (node instanceof ScalarNode s) {
      return s.getTag().getValue().endsWith(":null") ? "nothing" : "'" + s.getValue() + "'";
    }
    return "nothing";
  }
}
