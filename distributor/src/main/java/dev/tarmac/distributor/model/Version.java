package dev.tarmac.distributor.model;

/**
 * A version (a tag name, or a branch build's {@code main-1a2b3c4}), valid by construction: {@link
 * Names#version} checks it in the constructor, with its words, so a name is checked once where it
 * comes in (an HTTP request, a test) and handed on as it is (docs/architecture.md, "Names checked
 * once").
 */
public record Version(String value) {
  public Version {
    Names.version(value);
  }

  /** The same as the constructor. */
  public static Version of(String value) {
    return new Version(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
