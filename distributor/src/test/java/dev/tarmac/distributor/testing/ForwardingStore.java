package dev.tarmac.distributor.testing;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ByteRange;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoredObject;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real store passed through unchanged; a test overrides the calls it watches (counts the writes,
 * acts as a concurrent writer at a chosen moment).
 */
public class ForwardingStore implements ArtifactStore {
  protected final ArtifactStore store;

  public ForwardingStore(ArtifactStore store) {
    this.store = store;
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
  public StoredObject putIfAbsent(String key, InputStream content, Map<String, String> headers) {
    return store.putIfAbsent(key, content, headers);
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
  public List<ObjectInfo> list(String prefix) {
    return store.list(prefix);
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
