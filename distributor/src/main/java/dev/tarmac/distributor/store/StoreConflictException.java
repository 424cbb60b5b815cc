package dev.tarmac.distributor.store;

/** A create-if-absent write found the key already taken. */
public class StoreConflictException extends StoreException {
  private final String key;

  public StoreConflictException(String key) {
    super(key + " already exists in the store; it is written once and never replaced");
    this.key = key;
  }

  public String key() {
    return key;
  }
}
