package dev.tarmac.distributor.store;

/**
 * An object in the store does not match the sha256 its record gives (the record is the root of
 * trust: docs/architecture.md, "The store"). Nothing was made from it.
 */
public class IntegrityException extends StoreException {
  public IntegrityException(String message) {
    super(message);
  }
}
