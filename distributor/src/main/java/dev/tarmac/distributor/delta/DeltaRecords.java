package dev.tarmac.distributor.delta;

import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import java.util.Optional;

/**
 * The deltas of the store (docs/architecture.md, "The store's domain layer"): the one place that
 * names {@code apps/<app>/deltas/<from>..<to>.tar.gz} and reads and writes its record {@code
 * <from>..<to>.json}. {@link Deltas} makes and checks them; a release only reads.
 */
public final class DeltaRecords {
  private final ArtifactStore store;

  public DeltaRecords(ArtifactStore store) {
    this.store = store;
  }

  /** Where the delta's bytes are. */
  public static String deltaKey(String app, String from, String to) {
    return StoreLayout.delta(app, from, to);
  }

  /** Where the delta's record is (written after the bytes: its presence means they are there). */
  public static String recordKey(String app, String from, String to) {
    return StoreLayout.deltaRecord(app, from, to);
  }

  /** Every delta of an app, bytes and records. */
  public static String prefix(String app) {
    return StoreLayout.deltasPrefix(app);
  }

  /** The delta's record; empty when there is none (a damaged one throws, naming its key). */
  public Optional<DeltaRecord> find(String app, String from, String to) {
    return StoredJson.find(store, recordKey(app, from, to), DeltaRecord.class);
  }

  /** Writes (or replaces) the delta's record. */
  void put(DeltaRecord record) {
    StoredJson.put(store, recordKey(record.app(), record.from(), record.to()), record);
  }
}
