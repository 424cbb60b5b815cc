package dev.tarmac.builder.service;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ByteRange;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoredObject;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real store through which another writer acts at a chosen moment: the first time {@code prefix}
 * is listed, {@code meanwhile} runs (as a concurrent release would) before the listing.
 */
final class RacingStore implements ArtifactStore {
  private final ArtifactStore store;
  private final String prefix;
  private final Runnable meanwhile;
  private final AtomicBoolean done = new AtomicBoolean();

  RacingStore(ArtifactStore store, String prefix, Runnable meanwhile) {
    this.store = store;
    this.prefix = prefix;
    this.meanwhile = meanwhile;
  }

  @Override
  public List<ObjectInfo> list(String p) {
    if (p.equals(prefix) && done.compareAndSet(false, true)) {
      meanwhile.run();
    }
    return store.list(p);
  }

  @Override
  public StoredObject put(String key, InputStream content) {
    return store.put(key, content);
  }

  @Override
  public StoredObject putIfAbsent(String key, InputStream content) {
    return store.putIfAbsent(key, content);
  }

  @Override
  public InputStream get(String key, ByteRange range) {
    return store.get(key, range);
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    return store.stat(key);
  }

  @Override
  public void delete(String key) {
    store.delete(key);
  }

  @Override
  public URI signedGetUrl(String key, Duration ttl) {
    return store.signedGetUrl(key, ttl);
  }

  @Override
  public URI signedPutUrl(String key, Duration ttl) {
    return store.signedPutUrl(key, ttl);
  }

  @Override
  public boolean servedByService() {
    return store.servedByService();
  }
}
