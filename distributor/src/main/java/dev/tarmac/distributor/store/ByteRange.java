package dev.tarmac.distributor.store;

/** A range of bytes: {@code offset} and {@code length}; a negative length means "to the end". */
public record ByteRange(long offset, long length) {
  public static final ByteRange ALL = new ByteRange(0, -1);

  public ByteRange {
    if (offset < 0) {
      throw new IllegalArgumentException("range offset must not be negative: " + offset);
    }
  }

  public static ByteRange from(long offset) {
    return new ByteRange(offset, -1);
  }

  public boolean toEnd() {
    return length < 0;
  }

  /** The last byte's index in an object of {@code size} bytes. */
  public long lastIndex(long size) {
    return toEnd() ? size - 1 : Math.min(size - 1, offset + length - 1);
  }
}
