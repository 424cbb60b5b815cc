package dev.tarmac.distributor.model;

/** Where things live in the store (see docs/architecture.md); the only place keys are built. */
public final class StoreLayout {
  private StoreLayout() {}

  public static String app(String app) {
    return "apps/" + Names.app(app) + "/app.json";
  }

  public static String appsPrefix() {
    return "apps/";
  }

  public static String buildsPrefix(String app) {
    return "apps/" + Names.app(app) + "/builds/";
  }

  public static String buildDir(String app, String version) {
    return buildsPrefix(app) + Names.version(version) + "/";
  }

  public static String artifact(String app, String version) {
    return buildDir(app, version) + "artifact.tar.gz";
  }

  public static String manifest(String app, String version) {
    return buildDir(app, version) + "manifest.sha256";
  }

  public static String buildRecord(String app, String version) {
    return buildDir(app, version) + "build.json";
  }

  public static String buildLog(String app, String version) {
    return buildDir(app, version) + "build.log";
  }

  public static String delta(String app, String from, String to) {
    return "apps/"
        + Names.app(app)
        + "/deltas/"
        + Names.version(from)
        + ".."
        + Names.version(to)
        + ".tar.gz";
  }

  /** The record of a delta: written last, once; its presence means the delta is complete. */
  public static String deltaRecord(String app, String from, String to) {
    return delta(app, from, to).replace(".tar.gz", ".json");
  }

  /** Every delta of an app, {@code <from>..<to>.tar.gz} and its {@code .json} record. */
  public static String deltasPrefix(String app) {
    return "apps/" + Names.app(app) + "/deltas/";
  }

  /** Every environment of an app: locks, release histories, backups. */
  public static String envsPrefix(String app) {
    return "apps/" + Names.app(app) + "/envs/";
  }

  /** What the service's last clean-up of the app's builds removed and kept. */
  public static String retention(String app) {
    return "apps/" + Names.app(app) + "/retention.json";
  }

  public static String envPrefix(String app, String env) {
    return "apps/" + Names.app(app) + "/envs/" + Names.env(env) + "/";
  }

  public static String releaseRecord(String app, String env, long number) {
    return envPrefix(app, env) + "releases/" + String.format("%08d", number) + ".json";
  }

  public static String releasesPrefix(String app, String env) {
    return envPrefix(app, env) + "releases/";
  }

  /**
   * The whole output of one task of run {@code number} on {@code host}, kept when the run's record
   * holds only its ends (docs/architecture.md, "Bounded records"). Host and task names are kept to
   * the characters a key allows; any other becomes {@code -}.
   */
  public static String taskLog(String app, String env, long number, String host, String task) {
    return taskLogsPrefix(app, env)
        + String.format("%08d", number)
        + "/"
        + segment(host)
        + "/"
        + segment(task)
        + ".log";
  }

  /** Every task log of an environment's runs. */
  public static String taskLogsPrefix(String app, String env) {
    return envPrefix(app, env) + "logs/";
  }

  private static String segment(String name) {
    String s = name.replaceAll("[^A-Za-z0-9._=+@,-]", "-");
    if (s.isEmpty() || s.length() > 200 || s.equals(".") || s.equals("..")) {
      throw new IllegalArgumentException("not a host or task name: " + Names.shown(name));
    }
    return s;
  }

  public static String backup(String app, String env, String version) {
    return envPrefix(app, env) + "backups/" + Names.version(version) + ".sql.gz";
  }

  /**
   * What the hosts of an environment keep on disk after its last release's clean-up (written by a
   * release with {@code release.cdn}): the clean-up of {@code cdn/} keeps their assets
   * (docs/cdn-and-caches.md).
   */
  public static String keptOnHosts(String app, String env) {
    return envPrefix(app, env) + "kept.json";
  }

  /**
   * The hashed paths a version's {@code tarmac-assets.json} names, recorded by its CDN push outside
   * the public {@code cdn/} prefix, so the clean-up of {@code cdn/} never reads artifacts again.
   */
  public static String cdnRefs(String app, String version) {
    return "apps/" + Names.app(app) + "/cdn-refs/" + Names.version(version) + ".json";
  }

  /**
   * Where the clean-ups of {@code cdn/<app>/} mark themselves while they decide and delete, so a
   * CDN push of any environment waits for them before it lists {@code cdn/<app>/}
   * (docs/cdn-and-caches.md, "A push meeting the clean-up").
   */
  public static String cdnCleaningPrefix(String app) {
    return "apps/" + Names.app(app) + "/cdn-cleaning/";
  }

  /** The marker of the clean-up run by {@code env}'s run {@code run}. */
  public static String cdnCleaning(String app, String env, long run) {
    return cdnCleaningPrefix(app) + Names.env(env) + "/" + run + ".json";
  }

  /**
   * The environments registered in the service, every revision of each (docs/environments.md):
   * {@code apps/<app>/environments/<env>/<revision>.json}.
   */
  public static String environmentsPrefix(String app) {
    return "apps/" + Names.app(app) + "/environments/";
  }

  public static String environmentRevisions(String app, String env) {
    return environmentsPrefix(app) + Names.env(env) + "/";
  }

  public static String environmentRevision(String app, String env, long revision) {
    return environmentRevisions(app, env) + String.format("%08d", revision) + ".json";
  }

  public static String lock(String app, String env) {
    return envPrefix(app, env) + "lock.json";
  }
}
