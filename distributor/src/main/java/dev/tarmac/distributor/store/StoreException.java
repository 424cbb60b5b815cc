package dev.tarmac.distributor.store;

/** A store operation failed; the message names the key and what to do next. */
public class StoreException extends RuntimeException {
  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
