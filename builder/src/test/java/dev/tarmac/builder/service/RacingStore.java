package dev.tarmac.builder.service;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.testing.ForwardingStore;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real store through which another writer acts at a chosen moment: the first time {@code prefix}
 * is listed, {@code meanwhile} runs (as a concurrent release would) before the listing.
 */
final class RacingStore extends ForwardingStore {
  private final String prefix;
  private final Runnable meanwhile;
  private final AtomicBoolean done = new AtomicBoolean();

  RacingStore(ArtifactStore store, String prefix, Runnable meanwhile) {
    super(store);
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
}
