package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file on a host: exact strings, and the same run through a real {@code sh}. */
class ConfigCommandsTest {
  @TempDir Path dir;

  @Test
  void theFileIsWrittenUnderATemporaryNameAndRenamedExactString() {
    assertThat(
            ConfigCommands.write("/srv/shop/releases/v1", "config/app.env", "# h\nA=\"it's\"\n")
                .text())
        .isEqualTo(
            """
            cd /srv/shop/releases/v1 || exit 1
            umask 077
            mkdir -p config || exit 1
            rm -f config/app.env.tarmac-new || exit 1
            set -C
            printf '%s' '# h
            A="it'\\''s"
            ' > config/app.env.tarmac-new || exit 1
            chmod 600 config/app.env.tarmac-new || exit 1
            mv -fT config/app.env.tarmac-new config/app.env""");
  }

  @Test
  void valuesAreDoubleQuotedWithTheFourShellEscapes() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("PLAIN", "x");
    v.put("TRICKY", "a\"b\\c$HOME`id`\nline 2 'q'");
    assertThat(ConfigCommands.dotenv("written by Tarmac\nfor shop", v))
        .isEqualTo(
            "# written by Tarmac for shop\n"
                + "PLAIN=\"x\"\n"
                + "TRICKY=\"a\\\"b\\\\c\\$HOME\\`id\\`\nline 2 'q'\"\n");
    assertThatThrownBy(() -> ConfigCommands.dotenv("h", Map.of("lower", "x")))
        .hasMessage("not a configuration name: lower");
  }

  @Test
  void theLoadLineExactString() {
    assertThat(ConfigCommands.load("/srv/shop/releases/v1/.env"))
        .isEqualTo(
            "if [ -f /srv/shop/releases/v1/.env ]; then tm_port=${PORT-}; set -a; ."
                + " /srv/shop/releases/v1/.env || exit 1; set +a; [ -z \"$tm_port\" ] ||"
                + " PORT=$tm_port; fi");
  }

  @Test
  void throughShTheFileIsMode600ReplacesALinkAndReadsBackEveryByte() throws Exception {
    Path release = Files.createDirectories(dir.resolve("release"));
    Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "keep me");
    // planted by the artifact: the file as a link out of the release, the temporary name too
    Files.createSymbolicLink(release.resolve(".env"), elsewhere);
    Files.createSymbolicLink(release.resolve(".env.tarmac-new"), elsewhere);
    Map<String, String> values = new LinkedHashMap<>();
    values.put("DB_URL", "postgres://u@h/db?x=1&y=2");
    values.put("JWT_SECRET", "s3cr3t \"quoted\" $NOT_EXPANDED `not run` \\ back\\\\slash");
    values.put("MULTI", "line one\nline two\n\ttabbed\n");
    values.put("PORT", "9999");
    values.put("EMPTY", "");
    String content = ConfigCommands.dotenv("test", values);

    assertThat(sh(ConfigCommands.write(release.toString(), ".env", content).text())).isEmpty();

    Path file = release.resolve(".env");
    assertThat(Files.isSymbolicLink(file)).isFalse();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(elsewhere)).isEqualTo("keep me");
    assertThat(Files.exists(release.resolve(".env.tarmac-new"))).isFalse();

    // loaded as a hook loads it: every byte back, PORT of the slot kept
    StringBuilder print = new StringBuilder(ConfigCommands.load(file.toString()));
    for (String name : values.keySet()) {
      print.append("\nprintf '%s\\0' \"$").append(name).append('"');
    }
    String out = sh("PORT=4001\n" + print);
    String[] read = out.split("\0", -1);
    assertThat(read[0]).isEqualTo(values.get("DB_URL"));
    assertThat(read[1]).isEqualTo(values.get("JWT_SECRET"));
    assertThat(read[2]).isEqualTo(values.get("MULTI"));
    assertThat(read[3]).isEqualTo("4001");
    assertThat(read[4]).isEqualTo("");

    // written again: replaced whole, still 600
    assertThat(sh(ConfigCommands.write(release.toString(), ".env", "# two\nA=\"b\"\n").text()))
        .isEmpty();
    assertThat(Files.readString(file)).isEqualTo("# two\nA=\"b\"\n");
  }

  private static String sh(String script) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }
}
