package dev.tarmac.distributor.records;

import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The builds of the store (docs/architecture.md, "The store's domain layer"): the one place that
 * reads and writes {@code apps/<app>/builds/<version>/build.json} and names the keys of a build's
 * objects (artifact, manifest, log).
 */
public final class BuildRecords {
  private static final String RECORD = "/build.json";

  private final ArtifactStore store;

  public BuildRecords(ArtifactStore store) {
    this.store = store;
  }

  /** Where {@code app} {@code version}'s record is. */
  public static String recordKey(String app, String version) {
    return StoreLayout.buildRecord(app, version);
  }

  /** Where {@code app} {@code version}'s artifact is. */
  public static String artifactKey(String app, String version) {
    return StoreLayout.artifact(app, version);
  }

  /** Where {@code app} {@code version}'s manifest ({@code sha256sum} format) is. */
  public static String manifestKey(String app, String version) {
    return StoreLayout.manifest(app, version);
  }

  /** Where {@code app} {@code version}'s build log is. */
  public static String logKey(String app, String version) {
    return StoreLayout.buildLog(app, version);
  }

  /** Whether {@code key} (from a listing of the builds) is a build record. */
  public static boolean isRecord(String key) {
    return key.endsWith(RECORD);
  }

  /** The published build; empty when there is none (a damaged record throws, naming its key). */
  public Optional<BuildRecord> find(String app, String version) {
    return StoredJson.find(store, recordKey(app, version), BuildRecord.class);
  }

  /**
   * The published build.
   *
   * @throws dev.tarmac.distributor.store.StoreNotFoundException when there is none
   */
  public BuildRecord read(String app, String version) {
    return StoredJson.read(store, recordKey(app, version), BuildRecord.class);
  }

  /** Whether the build is published (its record exists). */
  public boolean exists(String app, String version) {
    return store.exists(recordKey(app, version));
  }

  /**
   * Every published build of {@code app}, in the store's listing order; one removed since the
   * listing is left out, a damaged record throws (naming its key).
   */
  public List<BuildRecord> list(String app) {
    List<BuildRecord> out = new ArrayList<>();
    for (ObjectInfo o : store.list(StoreLayout.buildsPrefix(app))) {
      if (isRecord(o.key())) {
        StoredJson.find(store, o.key(), BuildRecord.class).ifPresent(out::add);
      }
    }
    return out;
  }

  /**
   * Publishes the build: its record, written once (create-if-absent), after everything it names.
   *
   * @throws dev.tarmac.distributor.store.StoreConflictException when it is published already
   */
  public void publish(BuildRecord record) {
    StoredJson.putIfAbsent(store, recordKey(record.app(), record.version()), record);
  }
}
