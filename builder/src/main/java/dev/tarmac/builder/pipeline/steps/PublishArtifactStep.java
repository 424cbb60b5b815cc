package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoredObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Publishes blobs first (artifact, manifest, log), the build record last with create-if-absent: the
 * build becomes visible only when complete, and a version is published once. When the record is
 * already there (another build won), that record is returned.
 */
public final class PublishArtifactStep implements BuildStep<PublishArtifactStep.Published> {
  public record Published(BuildRecord record, boolean won) {}

  private final ArtifactStore store;
  private final BuildRecord record;
  private final Path artifact;
  private final byte[] manifest;
  private final Path log;

  public PublishArtifactStep(
      ArtifactStore store, BuildRecord record, Path artifact, byte[] manifest, Path log) {
    this.store = store;
    this.record = record;
    this.artifact = artifact;
    this.manifest = manifest;
    this.log = log;
  }

  @Override
  public Published run() throws Exception {
    String app = record.app();
    String version = record.version();
    String recordKey = StoreLayout.buildRecord(app, version);
    if (store.exists(recordKey)) {
      return new Published(Json.read(store.readAllBytes(recordKey), BuildRecord.class), false);
    }
    StoredObject stored;
    try (InputStream in = Files.newInputStream(artifact)) {
      stored = store.put(StoreLayout.artifact(app, version), in);
    }
    if (!stored.sha256().equals(record.sha256()) || stored.size() != record.size()) {
      throw new IllegalStateException(
          "the store received "
              + stored.size()
              + " bytes with sha256 "
              + stored.sha256()
              + " for the artifact, expected "
              + record.size()
              + " bytes with sha256 "
              + record.sha256());
    }
    store.put(StoreLayout.manifest(app, version), manifest);
    try (InputStream in = Files.newInputStream(log)) {
      store.put(StoreLayout.buildLog(app, version), in);
    }
    try {
      store.putIfAbsent(recordKey, Json.write(record));
      return new Published(record, true);
    } catch (StoreConflictException e) {
      return new Published(Json.read(store.readAllBytes(recordKey), BuildRecord.class), false);
    }
  }
}
