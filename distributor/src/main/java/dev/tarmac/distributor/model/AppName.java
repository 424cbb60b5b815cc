package dev.tarmac.distributor.model;

/**
 * An app's name, valid by construction: {@link Names#app} checks it in the constructor, with its
 * words, so a name is checked once where it comes in (an HTTP request, a test) and handed on as it
 * is (docs/architecture.md, "Names checked once").
 */
public record AppName(String value) {
  public AppName {
    Names.app(value);
  }

  /** The same as the constructor. */
  public static AppName of(String value) {
    return new AppName(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
