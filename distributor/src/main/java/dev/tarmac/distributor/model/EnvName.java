package dev.tarmac.distributor.model;

/**
 * An environment's name, valid by construction: {@link Names#env} checks it in the constructor,
 * with its words, so a name is checked once where it comes in (an HTTP request, a test) and handed
 * on as it is (docs/architecture.md, "Names checked once").
 */
public record EnvName(String value) {
  public EnvName {
    Names.env(value);
  }

  /** The same as the constructor. */
  public static EnvName of(String value) {
    return new EnvName(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
