package dev.tarmac.distributor.store;

/** The key does not exist in the store. */
public class StoreNotFoundException extends StoreException {
  public StoreNotFoundException(String key) {
    super(key + " is not in the store");
  }
}
