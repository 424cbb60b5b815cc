package dev.tarmac.deploy.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tarmac.deploy.DeployException;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreConflictException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An app's configuration values and secrets, app-wide and per environment, as immutable revisions
 * in the store (docs/configuration-and-secrets.md; docs/architecture.md, "The store's domain
 * layer"): {@code apps/<app>/config/app/r<n>.json} and {@code
 * apps/<app>/config/envs/<env>/r<n>.json}, each the whole set after one change, written once
 * (create-if-absent: two writers at once cannot both make revision n). A secret is kept sealed
 * ({@link SecretBox}) with its fingerprint; nothing here returns a secret's value but {@link
 * #resolve}, for the release that renders it.
 */
public final class ConfigValues {
  public static final Pattern NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");
  public static final int MAX_NAME = 128;
  public static final int MAX_VALUE_BYTES = 64 * 1024;
  public static final int MAX_NAMES = 256;

  /**
   * The most one scope holds, names and values together: the app's and an environment's are both in
   * every hook's environment, and Linux refuses to start a program whose environment and arguments
   * pass 2 MiB (E2BIG, "Argument list too long"), so 256 values of 64 KiB would make every hook
   * fail on every host (docs/configuration-and-secrets.md, "Names, values, bounds").
   */
  public static final int MAX_SCOPE_BYTES = 512 * 1024;

  /**
   * The shortest secret: every secret is cut out of what hosts print, and a shorter one would cut
   * ordinary words out of the output (docs/configuration-and-secrets.md).
   */
  public static final int MIN_SECRET = 8;

  /**
   * Names that change how the hosts' programs start rather than what the app reads: the dynamic
   * loader's, the shells', and the runtimes' option and path variables. Every hook and process gets
   * the values in its environment, so a deployer who set {@code LD_PRELOAD} or {@code PATH} to a
   * file the app's users can upload would run code of its own as the deploy user: only an admin
   * sets or unsets them (docs/configuration-and-secrets.md, "Who may set what").
   */
  static final Pattern STARTS_PROGRAMS =
      Pattern.compile(
          "LD_.*|PATH|BASH_ENV|ENV|IFS|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|HOME|NODE_OPTIONS"
              + "|NODE_PATH|PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|PERL5OPT|PERL5LIB|PERLLIB|RUBYOPT"
              + "|RUBYLIB|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS|GCONV_PATH|LOCPATH");

  /** How many writers may meet on one revision number before a change gives up. */
  private static final int ATTEMPTS = 10;

  /**
   * One name's value: a plain {@code value}, or a secret's {@code sealed} bytes and {@code
   * fingerprint}; {@code by} and {@code at} say who set it last, and when.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Value(
      boolean secret, String value, String sealed, String fingerprint, String by, Instant at) {
    /** What may be shown of it: a plain value, or {@code (secret) <fingerprint>}. */
    public String shown() {
      return secret ? "(secret) " + fingerprint : value;
    }

    /** The same value whatever its nonce: plain text, or a secret's fingerprint. */
    String identity() {
      return secret ? "secret " + fingerprint : "plain " + value;
    }
  }

  /**
   * The whole configuration of one scope after one change: {@code env} null for the app's own
   * (shared by its environments); {@code changed} names what this revision set or removed.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Revision(
      long number,
      String app,
      String env,
      String who,
      Instant at,
      List<String> changed,
      Map<String, Value> values) {
    public Revision {
      values = Collections.unmodifiableMap(new TreeMap<>(values));
      changed = List.copyOf(changed);
    }

    static Revision empty(String app, String env) {
      return new Revision(0, app, env, null, null, List.of(), Map.of());
    }
  }

  /**
   * One change: plain values and secrets to set, names to remove. A secret's value is given here
   * and never leaves again but sealed.
   */
  public static final class Change {
    final Map<String, String> plain = new TreeMap<>();
    final Map<String, String> secrets = new TreeMap<>();
    final Set<String> unset = new LinkedHashSet<>();

    public Change plain(String name, String value) {
      plain.put(name, value);
      return this;
    }

    public Change secret(String name, String value) {
      secrets.put(name, value);
      return this;
    }

    public Change unset(String name) {
      unset.add(name);
      return this;
    }

    public boolean setsSecrets() {
      return !secrets.isEmpty();
    }

    /** The names this change touches, in order. */
    public Set<String> names() {
      Set<String> out = new LinkedHashSet<>(plain.keySet());
      out.addAll(secrets.keySet());
      out.addAll(unset);
      return out;
    }

    @Override
    public String toString() {
      return "Change" + names(); // never a value
    }
  }

  /**
   * What a release renders: the app's values overlaid by the environment's, secrets opened. Its
   * {@link #toString} names the revisions only.
   */
  public static final class Resolved {
    private final long appRevision;
    private final long envRevision;
    private final Map<String, String> values;
    private final Map<String, String> identities;
    private final Set<String> secretValues;

    Resolved(
        long appRevision,
        long envRevision,
        Map<String, String> values,
        Map<String, String> identities,
        Set<String> secretValues) {
      this.appRevision = appRevision;
      this.envRevision = envRevision;
      this.values = Collections.unmodifiableMap(values);
      this.identities = Collections.unmodifiableMap(identities);
      this.secretValues = Collections.unmodifiableSet(secretValues);
    }

    public static Resolved none() {
      return new Resolved(0, 0, new TreeMap<>(), new TreeMap<>(), Set.of());
    }

    /** The app-wide revision used (0: none yet). */
    public long appRevision() {
      return appRevision;
    }

    /** The environment's revision used (0: none yet). */
    public long envRevision() {
      return envRevision;
    }

    /** Name → value, sorted by name, secrets included: for the host's file only. */
    public Map<String, String> values() {
      return values;
    }

    /** The secrets' values: what captured host output has redacted. */
    public Set<String> secretValues() {
      return secretValues;
    }

    /** Name → what identifies its value without giving a secret away (for the plan's diff). */
    public Map<String, String> identities() {
      return identities;
    }

    public boolean isEmpty() {
      return values.isEmpty();
    }

    /** The names whose value differs from {@code before}'s (added, changed or removed), sorted. */
    public List<String> changedSince(Resolved before) {
      Set<String> all = new java.util.TreeSet<>(identities.keySet());
      all.addAll(before.identities.keySet());
      return all.stream()
          .filter(n -> !Objects.equals(identities.get(n), before.identities.get(n)))
          .toList();
    }

    @Override
    public String toString() {
      return "config app r" + appRevision + ", env r" + envRevision + " " + values.keySet();
    }
  }

  private final ArtifactStore store;
  private final SecretBox box;
  private final Clock clock;

  /** {@code box} null: plain values only (a secret can be neither set nor rendered). */
  public ConfigValues(ArtifactStore store, SecretBox box) {
    this(store, box, Clock.systemUTC());
  }

  public ConfigValues(ArtifactStore store, SecretBox box, Clock clock) {
    this.store = store;
    this.box = box;
    this.clock = clock;
  }

  static String prefix(String app, String env) {
    return "apps/"
        + Names.app(app)
        + "/config/"
        + (env == null ? "app/" : "envs/" + Names.env(env) + "/");
  }

  static String key(String app, String env, long number) {
    return prefix(app, env) + String.format("r%08d.json", number);
  }

  /** The scope's newest revision (number 0 and no values when nothing was ever set). */
  public Revision latest(String app, String env) {
    return newest(revisions(app, env, 1), app, env);
  }

  /**
   * The first of {@code newestFirst} (what {@link #revisions} read), or the scope's empty revision:
   * the newest without listing the scope again.
   */
  public static Revision newest(List<Revision> newestFirst, String app, String env) {
    return newestFirst.isEmpty() ? Revision.empty(app, env) : newestFirst.get(0);
  }

  /** Revision {@code number} of the scope (0: the empty one). */
  public Revision revision(String app, String env, long number) {
    if (number == 0) {
      return Revision.empty(app, env);
    }
    return StoredJson.read(store, key(app, env, number), Revision.class);
  }

  /** The scope's newest revisions, newest first, at most {@code limit}. */
  public List<Revision> revisions(String app, String env, int limit) {
    List<ObjectInfo> all = store.list(prefix(app, env));
    List<Revision> out = new ArrayList<>();
    for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
      if (all.get(i).key().matches(".*/r[0-9]{8}\\.json")) {
        out.add(StoredJson.read(store, all.get(i).key(), Revision.class));
      }
    }
    return out;
  }

  /**
   * Applies {@code change} to the scope's newest revision and writes the next one, by {@code who}.
   * Returns the new revision, or the newest one unchanged when the change sets every name to what
   * it holds already.
   *
   * @throws IllegalArgumentException naming the name and the bound when the change is refused
   *     (nothing is written)
   */
  public Revision set(String app, String env, String who, Change change) {
    return set(app, env, who, change, true);
  }

  /**
   * A change that may touch no secret: what a deployer of {@code env} may make
   * (docs/configuration-and-secrets.md, "Who may set what"). It may not set a secret, nor set or
   * unset a name that is a secret of {@code env} or of the app — replacing one with a plain value
   * of its own, removing it, or shadowing the app's with a value it knows.
   *
   * @throws SecretNeedsAdmin naming the name (nothing is written)
   */
  public Revision setPlain(String app, String env, String who, Change change) {
    return set(app, env, who, change, false);
  }

  /** A change of a secret asked by someone who may not touch secrets. */
  public static final class SecretNeedsAdmin extends RuntimeException {
    SecretNeedsAdmin(String message) {
      super(message);
    }
  }

  private Revision set(String app, String env, String who, Change change, boolean secretsToo) {
    String where = app + (env == null ? " (app-wide)" : " " + env);
    check(change, where);
    if (!secretsToo && change.setsSecrets()) {
      throw new SecretNeedsAdmin("setting a secret needs an admin token");
    }
    if (change.setsSecrets() && box == null) {
      throw new IllegalStateException(
          "this service has no configuration key: secrets cannot be set");
    }
    for (int attempt = 0; ; attempt++) {
      Revision base = latest(app, env);
      if (!secretsToo) {
        for (String name : change.names()) {
          if (STARTS_PROGRAMS.matcher(name).matches()) {
            throw new SecretNeedsAdmin(
                name
                    + " changes how the hosts' programs start (the loader, a shell or a runtime"
                    + " reads it): setting or unsetting it needs an admin token");
          }
        }
        Map<String, Value> appWide = env == null ? Map.of() : latest(app, null).values();
        for (String name : change.names()) {
          Value mine = base.values().get(name);
          Value shared = appWide.get(name);
          if ((mine != null && mine.secret()) || (shared != null && shared.secret())) {
            throw new SecretNeedsAdmin(
                name
                    + " is a secret of "
                    + (mine != null && mine.secret() ? where : app + " (app-wide)")
                    + ": replacing, removing or overriding it needs an admin token");
          }
        }
      }
      Map<String, Value> next = new TreeMap<>(base.values());
      List<String> changed = new ArrayList<>();
      Instant now = clock.instant();
      for (String name : change.unset) {
        if (!next.containsKey(name)) {
          throw new IllegalArgumentException(
              name
                  + " is not set in "
                  + where
                  + "; nothing was changed (tarmac config list "
                  + app
                  + (env == null ? "" : " " + env)
                  + " shows what is)");
        }
        next.remove(name);
        changed.add(name);
      }
      change.plain.forEach(
          (name, v) -> put(next, changed, name, new Value(false, v, null, null, who, now)));
      change.secrets.forEach(
          (name, v) ->
              put(
                  next,
                  changed,
                  name,
                  new Value(
                      true,
                      null,
                      box.seal(app, scope(env), name, v),
                      box.fingerprint(v),
                      who,
                      now)));
      if (next.size() > MAX_NAMES) {
        throw new IllegalArgumentException(
            where
                + " would hold "
                + next.size()
                + " names, more than "
                + MAX_NAMES
                + "; unset some first (tarmac config unset); nothing was changed");
      }
      long bytes = bytes(next);
      if (bytes > MAX_SCOPE_BYTES && bytes > bytes(base.values())) {
        throw new IllegalArgumentException(
            where
                + " would hold "
                + bytes / 1024
                + " KiB of names and values, more than "
                + MAX_SCOPE_BYTES / 1024
                + " KiB (every hook gets them in its environment, which Linux caps at 2 MiB);"
                + " keep large files in release.shared instead, or unset some first (tarmac config"
                + " unset); nothing was changed");
      }
      if (changed.isEmpty()) {
        return base;
      }
      Revision r = new Revision(base.number() + 1, app, env, who, now, changed, next);
      try {
        StoredJson.putIfAbsent(store, key(app, env, r.number()), r);
        return r;
      } catch (StoreConflictException e) {
        if (attempt + 1 >= ATTEMPTS) {
          throw new DeployException(
              "the configuration of "
                  + where
                  + " was changed by others "
                  + ATTEMPTS
                  + " times while this change was made; nothing was changed, try again");
        }
      }
    }
  }

  /** What a scope's names and values take in an environment (a secret by its sealed size). */
  private static long bytes(Map<String, Value> values) {
    long n = 0;
    for (Map.Entry<String, Value> e : values.entrySet()) {
      Value v = e.getValue();
      n += e.getKey().length() + 2;
      n +=
          v.secret()
              ? v.sealed().length() * 3L / 4
              : v.value().getBytes(StandardCharsets.UTF_8).length;
    }
    return n;
  }

  private static void put(Map<String, Value> next, List<String> changed, String name, Value v) {
    Value old = next.get(name);
    if (old == null || !old.identity().equals(v.identity())) {
      next.put(name, v);
      changed.add(name);
    }
  }

  private static void check(Change change, String where) {
    if (change.names().isEmpty()) {
      throw new IllegalArgumentException("no name to set or unset for " + where);
    }
    Set<String> seen = new java.util.HashSet<>();
    List<String> all = new ArrayList<>(change.plain.keySet());
    all.addAll(change.secrets.keySet());
    all.addAll(change.unset);
    for (String name : all) {
      if (!seen.add(name)) {
        throw new IllegalArgumentException(
            name + " is named twice in one change (set, secret or unset); name it once");
      }
    }
    for (String name : change.names()) {
      checkName(name);
    }
    change.plain.forEach(ConfigValues::checkValue);
    change.secrets.forEach(ConfigValues::checkValue);
    change.secrets.forEach(
        (name, value) -> {
          if (value.length() < MIN_SECRET) {
            throw new IllegalArgumentException(
                "the secret "
                    + name
                    + " is "
                    + value.length()
                    + " characters, fewer than "
                    + MIN_SECRET
                    + ": too short to be cut out of what hosts print; set a longer one, or set"
                    + " it as a plain value; nothing was changed");
          }
        });
  }

  /**
   * @throws IllegalArgumentException when {@code name} is not {@code [A-Z_][A-Z0-9_]*} of at most
   *     128
   */
  public static void checkName(String name) {
    if (name == null || name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "'"
              + shown(name)
              + "' is not a configuration name: use A-Z, 0-9 and _, not starting with a digit,"
              + " at most "
              + MAX_NAME
              + " (such as DB_URL)");
    }
    if (name.startsWith("TARMAC_")) {
      throw new IllegalArgumentException(
          name
              + ": names starting with TARMAC_ are Tarmac's own (docs/configuration-and-secrets.md)");
    }
  }

  private static void checkValue(String name, String value) {
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException(
          "the value of "
              + name
              + " is "
              + bytes
              + " bytes, more than "
              + MAX_VALUE_BYTES
              + " (64 KiB); keep large files in release.shared instead; nothing was changed");
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "the value of "
              + name
              + " holds a NUL byte, which no environment variable can; nothing was changed");
    }
  }

  private static String shown(String s) {
    if (s == null) {
      return "";
    }
    String cut = s.length() > 40 ? s.substring(0, 40) + "…" : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** The associated-data scope of a sealed value: {@code app}, or {@code env/<env>}. */
  static String scope(String env) {
    return env == null ? "app" : "env/" + env;
  }

  /** The values a release of {@code app} to {@code env} renders: newest revisions of both. */
  public Resolved resolve(String app, String env) {
    return resolve(latest(app, null), latest(app, env));
  }

  /** The values of given revisions (a rollback renders the ones its release used). */
  public Resolved resolve(String app, String env, long appRevision, long envRevision) {
    return resolve(revision(app, null, appRevision), revision(app, env, envRevision));
  }

  private Resolved resolve(Revision app, Revision env) {
    Map<String, String> values = new TreeMap<>();
    Map<String, String> identities = new TreeMap<>();
    Set<String> secrets = new LinkedHashSet<>();
    for (Revision r : List.of(app, env)) {
      r.values()
          .forEach(
              (name, v) -> {
                String value = v.value();
                if (v.secret()) {
                  if (box == null) {
                    throw new DeployException(
                        "the secret "
                            + name
                            + " of "
                            + r.app()
                            + " cannot be opened: this service has no configuration key");
                  }
                  value = box.open(r.app(), scope(r.env()), name, v.sealed());
                  secrets.add(value);
                }
                values.put(name, value);
                identities.put(name, v.identity());
              });
    }
    return new Resolved(app.number(), env.number(), values, identities, secrets);
  }

  /** The names of the scope with what may be shown of each (a secret: its fingerprint). */
  public static Map<String, String> shown(Revision r) {
    Map<String, String> out = new TreeMap<>();
    r.values().forEach((k, v) -> out.put(k, v.shown()));
    return out;
  }

  /** {@link Optional} of the revision's value of {@code name}. */
  public static Optional<Value> value(Revision r, String name) {
    return Optional.ofNullable(r.values().get(name));
  }
}
