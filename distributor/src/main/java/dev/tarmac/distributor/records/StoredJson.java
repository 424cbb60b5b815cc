package dev.tarmac.distributor.records;

import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.store.StoreNotFoundException;
import java.io.IOException;
import java.util.Optional;

/**
 * The one way a JSON object of the store is read and written (docs/architecture.md, "The store's
 * domain layer"): a missing object is {@link StoreNotFoundException} (or empty), one that does not
 * parse is a {@link StoreException} naming its key and what to do next. The repositories over the
 * store ({@link BuildRecords}, the delta, lock, release and CDN records) read through it.
 */
public final class StoredJson {
  private StoredJson() {}

  /**
   * The object at {@code key}.
   *
   * @throws StoreNotFoundException when there is none
   * @throws StoreException when it cannot be read or is not a {@code type} in JSON, naming the key
   */
  public static <T> T read(ArtifactStore store, String key, Class<T> type) {
    return parse(key, store.readAllBytes(key), type);
  }

  /** The object at {@code key}; empty when there is none (a damaged one still throws). */
  public static <T> Optional<T> find(ArtifactStore store, String key, Class<T> type) {
    try {
      return Optional.of(read(store, key, type));
    } catch (StoreNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Bytes already read from {@code key}, parsed with the same error. */
  public static <T> T parse(String key, byte[] bytes, Class<T> type) {
    try {
      T value = Json.MAPPER.readValue(bytes, type);
      if (value == null) {
        throw new IOException("it holds no JSON object");
      }
      return value;
    } catch (IOException e) {
      throw new StoreException(
          key
              + " in the store is not a readable "
              + type.getSimpleName()
              + " ("
              + firstLine(e.getMessage())
              + "); restore it from a backup of the store, or remove it and write it again",
          e);
    }
  }

  /** Writes (or replaces) the object at {@code key}. */
  public static void put(ArtifactStore store, String key, Object value) {
    store.put(key, Json.write(value));
  }

  /**
   * Writes the object at {@code key} only when there is none.
   *
   * @throws dev.tarmac.distributor.store.StoreConflictException when there is one already
   */
  public static void putIfAbsent(ArtifactStore store, String key, Object value) {
    store.putIfAbsent(key, Json.write(value));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
