package dev.tarmac.deploy.store;

import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.EnvironmentDefinition;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.Names;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The environments registered in the service (docs/environments.md; docs/architecture.md, "The
 * store's domain layer"): the one place that names and reads {@code
 * apps/<app>/environments/<env>/<revision>.json}. Every change is a new revision, written once
 * (create-if-absent), never changed: who (the token's name), when, what changed and the whole
 * definition; the current one is the newest, and a removal is a revision without a definition.
 */
public final class Environments {
  /** At most this many revisions of one environment are listed (the newest). */
  public static final int MAX_LISTED = 200;

  /**
   * One revision as the store keeps it. {@code definition}: {@link EnvironmentDefinition#toMap}
   * (null when {@code removed}).
   */
  public record Revision(
      String app,
      String env,
      long revision,
      String by,
      Instant at,
      List<String> changes,
      boolean removed,
      Map<String, Object> definition) {}

  /** The environment in force: its definition and the revision that made it. */
  public record Registered(EnvironmentDefinition definition, Revision revision) {}

  private final ArtifactStore store;

  public Environments(ArtifactStore store) {
    this.store = store;
  }

  /** The registered environment {@code env} of {@code app}; empty when none (or removed). */
  public Optional<Registered> find(String app, String env) {
    return newest(Names.app(app), Names.env(env)).filter(r -> !r.removed()).map(this::registered);
  }

  /** Every environment of {@code app} registered now, by name. */
  public Map<String, Registered> list(String app) {
    String a = Names.app(app);
    String prefix = StoreLayout.environmentsPrefix(a);
    Map<String, String> newestKey = new TreeMap<>();
    for (ObjectInfo o : store.list(prefix)) {
      String[] parts = o.key().substring(prefix.length()).split("/");
      if (parts.length == 2 && parts[1].endsWith(".json")) {
        newestKey.merge(parts[0], o.key(), (x, y) -> x.compareTo(y) >= 0 ? x : y);
      }
    }
    Map<String, Registered> out = new TreeMap<>();
    for (Map.Entry<String, String> e : newestKey.entrySet()) {
      Revision r = StoredJson.read(store, e.getValue(), Revision.class);
      if (!r.removed()) {
        out.put(e.getKey(), registered(r));
      }
    }
    return out;
  }

  /** The revisions of {@code env}, newest first, at most {@link #MAX_LISTED}. */
  public List<Revision> revisions(String app, String env) {
    List<String> keys = keys(Names.app(app), Names.env(env));
    List<Revision> out = new ArrayList<>();
    for (int i = keys.size() - 1; i >= 0 && out.size() < MAX_LISTED; i--) {
      out.add(StoredJson.read(store, keys.get(i), Revision.class));
    }
    return out;
  }

  /**
   * Registers {@code definition} as {@code env}'s newest revision, by {@code who}; answers the
   * current one unchanged when nothing would change.
   *
   * @throws StoreConflictException when another change took the same revision number first
   */
  public Revision put(String app, EnvironmentDefinition definition, String who, Instant at) {
    String a = Names.app(app);
    String e = Names.env(definition.name());
    Optional<Revision> newest = newest(a, e);
    EnvironmentDefinition before =
        newest.filter(r -> !r.removed()).map(r -> registered(r).definition()).orElse(null);
    List<String> changes = definition.changesFrom(before);
    if (changes.isEmpty()) {
      return newest.orElseThrow();
    }
    Revision r =
        new Revision(
            a,
            e,
            newest.map(Revision::revision).orElse(0L) + 1,
            who,
            at,
            changes,
            false,
            definition.toMap());
    StoredJson.putIfAbsent(store, StoreLayout.environmentRevision(a, e, r.revision()), r);
    return r;
  }

  /**
   * Removes {@code env} (a revision saying so, by {@code who}); empty when it is not registered.
   */
  public Optional<Revision> remove(String app, String env, String who, Instant at) {
    String a = Names.app(app);
    String e = Names.env(env);
    Optional<Revision> newest = newest(a, e).filter(r -> !r.removed());
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    Revision r =
        new Revision(a, e, newest.get().revision() + 1, who, at, List.of("removed"), true, null);
    StoredJson.putIfAbsent(store, StoreLayout.environmentRevision(a, e, r.revision()), r);
    return Optional.of(r);
  }

  private Optional<Revision> newest(String app, String env) {
    List<String> keys = keys(app, env);
    return keys.isEmpty()
        ? Optional.empty()
        : Optional.of(StoredJson.read(store, keys.get(keys.size() - 1), Revision.class));
  }

  private List<String> keys(String app, String env) {
    return store.list(StoreLayout.environmentRevisions(app, env)).stream()
        .map(ObjectInfo::key)
        .filter(k -> k.endsWith(".json"))
        .sorted(Comparator.naturalOrder())
        .toList();
  }

  private Registered registered(Revision r) {
    String key = StoreLayout.environmentRevision(r.app(), r.env(), r.revision());
    if (r.definition() == null) {
      throw new StoreException(
          key
              + " in the store is not a readable Revision (it has no definition); restore it from a"
              + " backup of the store, or remove it and write it again");
    }
    String text = new String(Json.write(r.definition()), java.nio.charset.StandardCharsets.UTF_8);
    return new Registered(ConfigReader.readEnvironment(text, r.env(), key + " in the store"), r);
  }
}
