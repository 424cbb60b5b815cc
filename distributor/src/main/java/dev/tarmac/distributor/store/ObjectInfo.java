package dev.tarmac.distributor.store;

import java.time.Instant;

/**
 * An object's key, size in bytes and when it was written ({@code modified}; null when the backend
 * could not say). The clean-up of {@code cdn/} never removes an object younger than its grace
 * period (docs/cdn-and-caches.md, "Removing what no kept release references").
 */
public record ObjectInfo(String key, long size, Instant modified) {
  public ObjectInfo(String key, long size) {
    this(key, size, null);
  }
}
