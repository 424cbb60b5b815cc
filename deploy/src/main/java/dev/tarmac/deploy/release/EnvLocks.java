package dev.tarmac.deploy.release;

import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The environments' locks in the store (docs/architecture.md, "The store's domain layer"): the one
 * place that names and reads {@code apps/<app>/envs/<env>/lock.json}. {@link EnvLock} takes, renews
 * and releases one; the service, the retention of builds and the clean-up of {@code cdn/} only
 * read.
 */
public final class EnvLocks {
  private static final String FILE = "lock.json";

  private final ArtifactStore store;

  public EnvLocks(ArtifactStore store) {
    this.store = store;
  }

  /** Where {@code env}'s lock is. */
  public static String key(String app, String env) {
    return StoreLayout.lock(app, env);
  }

  /** Who holds {@code env}'s lock now; empty when nobody does (a damaged one throws, naming it). */
  public Optional<EnvLock.Info> find(String app, String env) {
    return StoredJson.find(store, key(app, env), EnvLock.Info.class);
  }

  /**
   * Every lock that a listing of the app's {@code envs/} shows, read now, by environment; one
   * released since the listing is left out.
   */
  public Map<String, EnvLock.Info> listed(String app, List<ObjectInfo> envsListing) {
    String prefix = StoreLayout.envsPrefix(app);
    Map<String, EnvLock.Info> out = new TreeMap<>();
    for (ObjectInfo o : envsListing) {
      if (!o.key().startsWith(prefix)) {
        continue;
      }
      String[] parts = o.key().substring(prefix.length()).split("/");
      if (parts.length == 2 && parts[1].equals(FILE)) {
        StoredJson.find(store, o.key(), EnvLock.Info.class).ifPresent(i -> out.put(parts[0], i));
      }
    }
    return out;
  }
}
