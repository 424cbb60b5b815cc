package dev.tarmac.deploy.store;

import dev.tarmac.deploy.DeployException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals the secret values of an app's configuration (docs/configuration-and-secrets.md, "At rest"):
 * AES-256-GCM with a fresh 96-bit nonce per value and the app, scope and name bound as associated
 * data (a sealed value copied to another name or app does not open), and a keyed fingerprint
 * (HMAC-SHA256) that tells two values apart without giving a low-entropy one away to a dictionary.
 * Both keys come from one 32-byte key file in the service's data directory, mode 600, made on first
 * use; a file another user could read is refused.
 */
public final class SecretBox {
  /** The key file under the data directory. */
  public static final String KEY_FILE = "secrets/config.key";

  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec aes;
  private final SecretKeySpec hmac;

  private SecretBox(byte[] master) {
    this.aes = new SecretKeySpec(derive(master, "tarmac config aes-256-gcm v1"), "AES");
    this.hmac = new SecretKeySpec(derive(master, "tarmac config fingerprint v1"), "HmacSHA256");
  }

  /**
   * The box of the service whose data directory is {@code dataDir}: its key file read, or made
   * (mode 600, written whole under a temporary name and linked into place, so two services starting
   * at once agree on one key).
   *
   * @throws DeployException when the file is not 32 bytes, or others may read or write it
   */
  public static SecretBox open(Path dataDir) {
    Path file = dataDir.resolve(KEY_FILE);
    try {
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        create(file);
      }
      if (Files.isSymbolicLink(file) || !Files.isRegularFile(file)) {
        throw new DeployException(file + " is not a regular file; remove it (a new key is made)");
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (!PosixFilePermissions.toString(mode).matches("rw-------|r--------")) {
        throw new DeployException(
            file
                + " has mode "
                + PosixFilePermissions.toString(mode)
                + "; it must be readable by the service only: chmod 600 "
                + file);
      }
      byte[] master = Files.readAllBytes(file);
      if (master.length != KEY_BYTES) {
        throw new DeployException(
            file
                + " holds "
                + master.length
                + " bytes, not "
                + KEY_BYTES
                + "; restore it from a backup of the data directory (without it the stored"
                + " secrets cannot be read: set them again)");
      }
      return new SecretBox(master);
    } catch (IOException e) {
      throw new DeployException("cannot read the configuration key " + file + ": " + e, e);
    }
  }

  /** A box over a given key (tests; a service always has its key file). */
  static SecretBox of(byte[] master) {
    if (master.length != KEY_BYTES) {
      throw new IllegalArgumentException("a key is " + KEY_BYTES + " bytes");
    }
    return new SecretBox(master.clone());
  }

  private static void create(Path file) throws IOException {
    Path dir = file.getParent();
    Files.createDirectories(
        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path tmp =
        Files.createTempFile(
            dir,
            ".config.key.",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      byte[] key = new byte[KEY_BYTES];
      RANDOM.nextBytes(key);
      Files.write(tmp, key);
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException e) {
        // another service made it first: theirs is the key
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** {@code value} sealed for {@code app}/{@code scope}/{@code name}: base64 of nonce ‖ sealed. */
  public String seal(String app, String scope, String name, String value) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(associated(app, scope, name));
      byte[] sealed = c.doFinal(value.getBytes(StandardCharsets.UTF_8));
      byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + sealed.length);
      System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  }

  /**
   * The value sealed for {@code app}/{@code scope}/{@code name}.
   *
   * @throws DeployException naming the value when it does not open (another key, another name, or
   *     changed in the store)
   */
  public String open(String app, String scope, String name, String sealed) {
    try {
      byte[] in = Base64.getDecoder().decode(sealed);
      if (in.length < NONCE_BYTES + TAG_BITS / 8) {
        throw new GeneralSecurityException("too short");
      }
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE, aes, new GCMParameterSpec(TAG_BITS, Arrays.copyOf(in, NONCE_BYTES)));
      c.updateAAD(associated(app, scope, name));
      byte[] plain = c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new DeployException(
          "the secret "
              + name
              + " of "
              + app
              + " ("
              + scope
              + ") does not open with this service's key ("
              + KEY_FILE
              + " in the data directory): the key is not the one it was sealed with, or the stored"
              + " value was changed; set it again (tarmac config set "
              + app
              + ("app".equals(scope) ? "" : " " + scope.substring(scope.indexOf('/') + 1))
              + " --secret "
              + name
              + ")");
    }
  }

  /** {@code hmac-sha256:} and the first 16 hex digits of the keyed HMAC of {@code value}. */
  public String fingerprint(String value) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(hmac);
      byte[] d = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
      return "hmac-sha256:" + HexFormat.of().formatHex(d, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  private static byte[] associated(String app, String scope, String name) {
    return ("tarmac-config-v1\0" + app + "\0" + scope + "\0" + name)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] derive(byte[] master, String purpose) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(master, "HmacSHA256"));
      return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }
}
