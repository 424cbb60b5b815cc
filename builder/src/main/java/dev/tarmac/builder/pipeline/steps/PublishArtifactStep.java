package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoredObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

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
    BuildRecords builds = new BuildRecords(store);
    Optional<BuildRecord> there = builds.find(app, version);
    if (there.isPresent()) {
      return new Published(there.get(), false);
    }
    StoredObject stored;
    try (InputStream in = Files.newInputStream(artifact)) {
      stored = store.put(BuildRecords.artifactKey(app, version), in);
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
    store.put(BuildRecords.manifestKey(app, version), manifest);
    try (InputStream in = Files.newInputStream(log)) {
      store.put(BuildRecords.logKey(app, version), in);
    }
    try {
      builds.publish(record);
      return new Published(record, true);
    } catch (StoreConflictException e) {
      return new Published(builds.read(app, version), false);
    }
  }
}
