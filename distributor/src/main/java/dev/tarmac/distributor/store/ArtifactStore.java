package dev.tarmac.distributor.store;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Object storage for artifacts, manifests, build records, release history and backups.
 *
 * <p>Keys are slash-separated relative paths ({@link StoreKeys#check}). Every write is atomic: a
 * reader sees the whole object or none of it. Two backends implement it: {@code fs} (files under a
 * directory, the embedded default) and {@code s3} (any S3-compatible service).
 */
public interface ArtifactStore {

  /** Writes (or replaces) {@code key}, computing size and sha256 while streaming. */
  StoredObject put(String key, InputStream content);

  /**
   * Writes {@code key} only when no object has that key yet.
   *
   * @throws StoreConflictException when the key already exists (another writer got there first)
   */
  StoredObject putIfAbsent(String key, InputStream content);

  /**
   * {@link #putIfAbsent(String, InputStream)} with the HTTP headers a public reader gets ({@code
   * Content-Type}, {@code Cache-Control}). S3 keeps them with the object; {@code fs} keeps none,
   * and the service derives them from the name when it serves the object (docs/cdn-and-caches.md).
   */
  default StoredObject putIfAbsent(
      String key, InputStream content, java.util.Map<String, String> headers) {
    return putIfAbsent(key, content);
  }

  /**
   * Opens {@code key} for reading.
   *
   * @throws StoreNotFoundException when there is no such object
   */
  default InputStream get(String key) {
    return get(key, ByteRange.ALL);
  }

  /** Opens a byte range of {@code key}; the range must start inside the object. */
  InputStream get(String key, ByteRange range);

  /** Size of {@code key}, or empty when it does not exist. */
  Optional<ObjectInfo> stat(String key);

  default boolean exists(String key) {
    return stat(key).isPresent();
  }

  /** Every object whose key starts with {@code prefix}, sorted by key. */
  List<ObjectInfo> list(String prefix);

  /** Removes {@code key}; removing a key that does not exist is not an error. */
  void delete(String key);

  /** A URL anyone can GET {@code key} from until {@code ttl} has passed. */
  URI signedGetUrl(String key, Duration ttl);

  /** A URL anyone can PUT {@code key} to until {@code ttl} has passed. */
  URI signedPutUrl(String key, Duration ttl);

  /**
   * Whether the service must serve downloads itself ({@code fs}); when false, clients are
   * redirected to {@link #signedGetUrl}.
   */
  boolean servedByService();

  /** Reads a small object whole (records, manifests). */
  default byte[] readAllBytes(String key) {
    try (InputStream in = get(key)) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new StoreException("cannot read " + key + " from the store: " + e.getMessage(), e);
    }
  }

  default StoredObject put(String key, byte[] content) {
    return put(key, new java.io.ByteArrayInputStream(content));
  }

  default StoredObject putIfAbsent(String key, byte[] content) {
    return putIfAbsent(key, new java.io.ByteArrayInputStream(content));
  }
}
