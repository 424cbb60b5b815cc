package dev.tarmac.distributor.store.fs;

import dev.tarmac.distributor.store.Hashing;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks the embedded store's URLs: {@code <base>/api/store/<key>?method=GET&expires=
 * <epoch seconds>&signature=<hex HMAC-SHA256 of "METHOD\nkey\nexpires">}. The service's store
 * endpoint calls {@link #verify}; a server holding such a URL needs no credentials.
 */
public final class UrlSigner {
  /** Path under the service's public URL where signed store URLs are served. */
  public static final String PATH = "/api/store/";

  private final byte[] key;
  private final Clock clock;

  public UrlSigner(byte[] key, Clock clock) {
    if (key.length < 16) {
      throw new IllegalArgumentException("the URL signing key must be at least 16 bytes");
    }
    this.key = key.clone();
    this.clock = clock;
  }

  public URI sign(URI base, String method, String objectKey, Duration ttl) {
    long expires = clock.instant().plus(ttl).getEpochSecond();
    String root = base.toString().replaceAll("/+$", "");
    return URI.create(
        root
            + PATH
            + objectKey
            + "?method="
            + method
            + "&expires="
            + expires
            + "&signature="
            + URLEncoder.encode(signature(method, objectKey, expires), StandardCharsets.UTF_8));
  }

  /**
   * Why a request with {@code requestMethod} to a URL signed for {@code signedMethod} (its {@code
   * method} parameter) is refused, or null when it is valid.
   */
  public String refusal(
      String requestMethod,
      String signedMethod,
      String objectKey,
      String expires,
      String signature) {
    if (!requestMethod.equals(signedMethod)) {
      return "the URL was signed for another method";
    }
    return refusal(requestMethod, objectKey, expires, signature);
  }

  private String refusal(String method, String objectKey, String expires, String signature) {
    if (expires == null || signature == null) {
      return "the URL is not signed (expires and signature are required)";
    }
    long at;
    try {
      at = Long.parseLong(expires);
    } catch (NumberFormatException e) {
      return "the URL's expires is not a number";
    }
    byte[] expected = signature(method, objectKey, at).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
      return "the URL's signature does not match (wrong key, method or path)";
    }
    if (clock.instant().getEpochSecond() > at) {
      return "the URL expired; ask the service for a new one";
    }
    return null;
  }

  private String signature(String method, String objectKey, long expires) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      String payload = method + "\n" + objectKey + "\n" + expires;
      return Hashing.hex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
