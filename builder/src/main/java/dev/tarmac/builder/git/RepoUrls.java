package dev.tarmac.builder.git;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Repository URLs as the service shows them: a password or token in the URL ({@code
 * https://user:secret@host/…}) becomes {@code https://user:***@host/…} in every answer, log line
 * and build log the service serves. The real URL is kept (in the app's record) and used to fetch.
 */
public final class RepoUrls {
  /** scheme://user:password@ — the password is anything up to the @ that ends the authority. */
  private static final Pattern CREDENTIALS =
      Pattern.compile("\\b([A-Za-z][A-Za-z0-9+.-]*://[^/@:\\s]*):[^/@\\s]*@");

  private RepoUrls() {}

  /** {@code text} with the password of every URL in it replaced by {@code ***}. */
  public static String redact(String text) {
    if (text == null || text.indexOf('@') < 0) {
      return text;
    }
    return CREDENTIALS.matcher(text).replaceAll("$1:***@");
  }

  public static byte[] redact(byte[] utf8) {
    String text = new String(utf8, StandardCharsets.UTF_8);
    String redacted = redact(text);
    return redacted.equals(text) ? utf8 : redacted.getBytes(StandardCharsets.UTF_8);
  }
}
