package dev.tarmac.deploy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.DeployException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AES-256-GCM with the names bound, a keyed fingerprint, a key file of mode 600. */
class SecretBoxTest {
  @TempDir Path data;

  @Test
  void theKeyFileIsMadeOnFirstUseMode600AndReadAfter() throws Exception {
    SecretBox first = SecretBox.open(data);
    Path key = data.resolve("secrets/config.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(Files.size(key)).isEqualTo(32);
    String sealed = first.seal("shop", "env/prod", "JWT_SECRET", "correct horse");
    // another service over the same data directory opens it
    assertThat(SecretBox.open(data).open("shop", "env/prod", "JWT_SECRET", sealed))
        .isEqualTo("correct horse");
    try (var files = Files.list(data.resolve("secrets"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("config.key");
    }
  }

  @Test
  void aFreshNonceEachTimeAndTheValueNowhereInTheSealedBytes() {
    SecretBox box = SecretBox.open(data);
    String a = box.seal("shop", "app", "DB_PASSWORD", "hunter2hunter2");
    String b = box.seal("shop", "app", "DB_PASSWORD", "hunter2hunter2");
    assertThat(a).isNotEqualTo(b);
    assertThat(Base64.getDecoder().decode(a)).hasSize(12 + 14 + 16);
    assertThat(new String(Base64.getDecoder().decode(a), StandardCharsets.ISO_8859_1))
        .doesNotContain("hunter2");
  }

  @Test
  void aSealedValueMovedToAnotherNameScopeOrAppDoesNotOpen() {
    SecretBox box = SecretBox.open(data);
    String sealed = box.seal("shop", "env/prod", "JWT_SECRET", "correct horse");
    String said =
        "the secret DB_PASSWORD of shop (env/prod) does not open with this service's key"
            + " (secrets/config.key in the data directory): the key is not the one it was sealed"
            + " with, or the stored value was changed; set it again (tarmac config set shop"
            + " prod --secret DB_PASSWORD)";
    assertThatThrownBy(() -> box.open("shop", "env/prod", "DB_PASSWORD", sealed))
        .isInstanceOf(DeployException.class)
        .hasMessage(said);
    assertThatThrownBy(() -> box.open("shop", "env/staging", "JWT_SECRET", sealed))
        .isInstanceOf(DeployException.class);
    assertThatThrownBy(() -> box.open("blog", "env/prod", "JWT_SECRET", sealed))
        .isInstanceOf(DeployException.class);
    assertThatThrownBy(() -> box.open("shop", "app", "JWT_SECRET", sealed))
        .hasMessageContaining("(tarmac config set shop --secret JWT_SECRET)");
    assertThatThrownBy(
            () -> SecretBox.of(new byte[32]).open("shop", "env/prod", "JWT_SECRET", sealed))
        .isInstanceOf(DeployException.class);
  }

  @Test
  void theFingerprintIsKeyedNotABareHash() {
    SecretBox one = SecretBox.of(new byte[32]);
    byte[] other = new byte[32];
    other[0] = 1;
    assertThat(one.fingerprint("1234")).matches("hmac-sha256:[0-9a-f]{16}");
    assertThat(one.fingerprint("1234")).isEqualTo(one.fingerprint("1234"));
    assertThat(one.fingerprint("1234")).isNotEqualTo(one.fingerprint("1235"));
    // another key, another fingerprint: a dictionary of sha256 sums says nothing
    assertThat(SecretBox.of(other).fingerprint("1234")).isNotEqualTo(one.fingerprint("1234"));
    assertThat(one.fingerprint("1234"))
        .doesNotContain("03ac674216f3e15c"); // the start of sha256("1234")
  }

  @Test
  void aKeyFileOthersMayReadOrOfTheWrongSizeIsRefusedNamingTheFix() throws Exception {
    SecretBox.open(data);
    Path key = data.resolve("secrets/config.key");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> SecretBox.open(data))
        .isInstanceOf(DeployException.class)
        .hasMessage(
            key + " has mode rw-r--r--; it must be readable by the service only: chmod 600 " + key);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Files.write(key, new byte[5]);
    assertThatThrownBy(() -> SecretBox.open(data))
        .hasMessage(
            key
                + " holds 5 bytes, not 32; restore it from a backup of the data directory (without"
                + " it the stored secrets cannot be read: set them again)");
  }
}
