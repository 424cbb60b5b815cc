package dev.tarmac.distributor.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** sha256 helpers. */
public final class Hashing {
  private Hashing() {}

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  public static String sha256Hex(byte[] content) {
    return hex(sha256().digest(content));
  }

  /** An input stream that counts and hashes what passes through it. */
  public static final class CountingDigestStream extends FilterInputStream {
    private final MessageDigest digest = Hashing.sha256();
    private long count;

    public CountingDigestStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        digest.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        digest.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) {
      throw new UnsupportedOperationException("a hashed stream cannot skip");
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    public long count() {
      return count;
    }

    public String sha256Hex() {
      return hex(digest.digest());
    }
  }
}
