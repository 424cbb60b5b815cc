package dev.tarmac.deploy.release;

import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import java.util.List;
import java.util.Optional;

/**
 * The records the CDN push and the clean-up of {@code cdn/} keep (docs/architecture.md, "The
 * store's domain layer"; docs/cdn-and-caches.md): the one place that names and reads and writes
 * {@code apps/<app>/cdn-refs/<version>.json} (the hashed paths a version names) and {@code
 * apps/<app>/envs/<env>/kept.json} (what each host of an environment keeps). The markers of running
 * clean-ups are {@link CdnCleaning}'s.
 */
final class CdnRecords {
  private final ArtifactStore store;
  private final String app;

  CdnRecords(ArtifactStore store, String app) {
    this.store = store;
    this.app = app;
  }

  /** Where the hashed paths {@code version} names are recorded. */
  static String refsKey(String app, String version) {
    return StoreLayout.cdnRefs(app, version);
  }

  /** Where what {@code env}'s hosts keep is recorded. */
  static String keptKey(String app, String env) {
    return StoreLayout.keptOnHosts(app, env);
  }

  /** Records the hashed paths a version names (before its first file goes out). */
  void putRefs(PushAssets.CdnRefs refs) {
    StoredJson.put(store, refsKey(app, refs.version()), refs);
  }

  /** The hashed paths {@code version} names; empty when none were recorded. */
  Optional<List<String>> refs(String version) {
    return StoredJson.find(store, refsKey(app, version), PushAssets.CdnRefs.class)
        .map(PushAssets.CdnRefs::paths);
  }

  /** Records what an environment's hosts keep after its run's clean-up. */
  void putKept(CleanAssets.KeptOnHosts kept) {
    StoredJson.put(store, keptKey(app, kept.env()), kept);
  }

  /** What {@code env}'s hosts keep, as its last run recorded; empty when nothing was. */
  Optional<CleanAssets.KeptOnHosts> kept(String env) {
    return StoredJson.find(store, keptKey(app, env), CleanAssets.KeptOnHosts.class);
  }
}
