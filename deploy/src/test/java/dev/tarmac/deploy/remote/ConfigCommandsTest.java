package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
            ConfigCommands.write(
                    "/srv/shop/releases/v1",
                    "config/app.env",
                    "a2-e5.env",
                    "# h\nA=\"it's\"\n",
                    true)
                .text())
        .isEqualTo(
            """
            cd /srv/shop/releases/v1 || exit 1
            umask 077
            if [ -L .tarmac-config ]; then rm -f .tarmac-config; fi || exit 1
            mkdir -p .tarmac-config || exit 1
            rm -f .tarmac-config/a2-e5.env.tarmac-new || exit 1
            set -C
            printf '%s' '# h
            A="it'\\''s"
            ' > .tarmac-config/a2-e5.env.tarmac-new || exit 1
            chmod 600 .tarmac-config/a2-e5.env.tarmac-new || exit 1
            mv -fT .tarmac-config/a2-e5.env.tarmac-new .tarmac-config/a2-e5.env || exit 1
            mkdir -p config || exit 1
            rm -f config/app.env.tarmac-new || exit 1
            ln -s ../.tarmac-config/a2-e5.env config/app.env.tarmac-new || exit 1
            mv -fT config/app.env.tarmac-new config/app.env""");
    // the live release's directory: the file rendered, the link left for the switch
    assertThat(
            ConfigCommands.write("/srv/shop/releases/v1", ".env", "a2-e5.env", "A=1", false).text())
        .endsWith(
            "chmod 600 .tarmac-config/a2-e5.env.tarmac-new || exit 1\n"
                + "mv -fT .tarmac-config/a2-e5.env.tarmac-new .tarmac-config/a2-e5.env");
  }

  @Test
  void theLiveLinkIsStagedAndSwappedExactStrings() {
    assertThat(ConfigCommands.stageLink("/srv/shop/releases/v1", ".env", "a2-e6.env").text())
        .isEqualTo(
            "{ if [ -f /srv/shop/releases/v1/.env ] && [ ! -L /srv/shop/releases/v1/.env ]; then"
                + " rm -f /srv/shop/releases/v1/.tarmac-config/before.env"
                + " && cp -p /srv/shop/releases/v1/.env /srv/shop/releases/v1/.tarmac-config/before.env"
                + " && rm -f /srv/shop/releases/v1/.env.tarmac-new"
                + " && ln -s .tarmac-config/before.env /srv/shop/releases/v1/.env.tarmac-new"
                + " && mv -fT /srv/shop/releases/v1/.env.tarmac-new /srv/shop/releases/v1/.env;"
                + " fi; } && rm -f /srv/shop/releases/v1/.env.tarmac-next"
                + " /srv/shop/releases/v1/.env.tarmac-back"
                + " && { if [ -L /srv/shop/releases/v1/.env ]; then ln -s"
                + " \"$(readlink /srv/shop/releases/v1/.env)\" /srv/shop/releases/v1/.env.tarmac-back;"
                + " fi; } && ln -s .tarmac-config/a2-e6.env /srv/shop/releases/v1/.env.tarmac-next");
    assertThat(ConfigCommands.point("/srv/shop/releases/v1", "conf/.env", "a2-e6.env").text())
        .isEqualTo(
            "if [ -f /srv/shop/releases/v1/.tarmac-config/a2-e6.env ]; then"
                + " rm -f /srv/shop/releases/v1/conf/.env.tarmac-new"
                + " && ln -s ../.tarmac-config/a2-e6.env /srv/shop/releases/v1/conf/.env.tarmac-new"
                + " && mv -fT /srv/shop/releases/v1/conf/.env.tarmac-new"
                + " /srv/shop/releases/v1/conf/.env; fi");
    assertThat(ConfigCommands.swapLink("/srv/shop/releases/v1", ".env", false).text())
        .isEqualTo("mv -fT /srv/shop/releases/v1/.env.tarmac-next /srv/shop/releases/v1/.env");
    assertThat(ConfigCommands.swapLink("/srv/shop/releases/v1", ".env", true).text())
        .isEqualTo(
            "{ if [ -L /srv/shop/releases/v1/.env.tarmac-back ]; then mv -fT"
                + " /srv/shop/releases/v1/.env.tarmac-back /srv/shop/releases/v1/.env;"
                + " else rm -f /srv/shop/releases/v1/.env; fi; }");
  }

  @Test
  void throughShTheLiveFileChangesOnlyAtTheSwapAndComesBackOnTheSwapBack() throws Exception {
    Path release = Files.createDirectories(dir.resolve("live"));
    String r = release.toString();
    // rendered by an earlier Tarmac: a plain file
    Files.writeString(release.resolve(".env"), "A=\"old\"\n");
    Files.setPosixFilePermissions(
        release.resolve(".env"), PosixFilePermissions.fromString("rw-------"));
    sh(ConfigCommands.write(r, ".env", "a1-e2.env", "A=\"new\"\n", false).text());
    assertThat(release.resolve(".env")).content().isEqualTo("A=\"old\"\n");
    // planted by the artifact: before.env as a link into the web root
    Path web = Files.createDirectories(release.resolve("public"));
    Files.writeString(web.resolve("index.html"), "public page");
    Files.createSymbolicLink(
        release.resolve(".tarmac-config/before.env"), web.resolve("index.html"));
    sh(ConfigCommands.stageLink(r, ".env", "a1-e2.env").text());
    assertThat(release.resolve(".env")).content().isEqualTo("A=\"old\"\n");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(release.resolve(".env"))))
        .isEqualTo("rw-------");
    assertThat(web.resolve("index.html")).content().isEqualTo("public page");
    sh(ConfigCommands.swapLink(r, ".env", false).text());
    assertThat(release.resolve(".env")).content().isEqualTo("A=\"new\"\n");
    assertThat(Files.readSymbolicLink(release.resolve(".env")))
        .hasToString(".tarmac-config/a1-e2.env");
    sh(ConfigCommands.swapLink(r, ".env", true).text());
    assertThat(release.resolve(".env")).content().isEqualTo("A=\"old\"\n");

    // staged twice (a release that failed before its switch, then one that made it): the last wins
    sh(ConfigCommands.write(r, ".env", "a1-e3.env", "A=\"third\"\n", false).text());
    sh(ConfigCommands.stageLink(r, ".env", "a1-e2.env").text());
    sh(ConfigCommands.stageLink(r, ".env", "a1-e3.env").text());
    sh(ConfigCommands.swapLink(r, ".env", false).text());
    assertThat(release.resolve(".env")).content().isEqualTo("A=\"third\"\n");
    sh(ConfigCommands.swapLink(r, ".env", true).text());
    assertThat(release.resolve(".env")).content().isEqualTo("A=\"old\"\n");

    // once live: only the file linked stays (the rotated value is gone from the directory)
    sh(ConfigCommands.stageLink(r, ".env", "a1-e3.env").text());
    sh(ConfigCommands.swapLink(r, ".env", false).text());
    sh(ConfigCommands.forget(r, ".env", "a1-e3.env").text());
    try (var left = Files.list(release.resolve(".tarmac-config"))) {
      assertThat(left.map(f -> f.getFileName().toString())).containsExactly("a1-e3.env");
    }
    assertThat(release.resolve(".env.tarmac-back")).doesNotExist();
    assertThat(release.resolve(".env")).content().isEqualTo("A=\"third\"\n");
    assertThat(ConfigCommands.forget("/srv/a/releases/v1", ".env", "a1-e3.env").text())
        .isEqualTo(
            "rm -f /srv/a/releases/v1/.env.tarmac-back /srv/a/releases/v1/.env.tarmac-next && if"
                + " [ -d /srv/a/releases/v1/.tarmac-config ] && [ ! -L"
                + " /srv/a/releases/v1/.tarmac-config ]; then for tm_f in"
                + " /srv/a/releases/v1/.tarmac-config/*.env; do [ \"$tm_f\" ="
                + " /srv/a/releases/v1/.tarmac-config/a1-e3.env ] || rm -f \"$tm_f\" || exit 1;"
                + " done; fi");

    // a live release that had no file: going back removes the one the switch put there
    Path bare = Files.createDirectories(dir.resolve("bare"));
    sh(ConfigCommands.write(bare.toString(), ".env", "a0-e1.env", "B=1\n", false).text());
    sh(ConfigCommands.stageLink(bare.toString(), ".env", "a0-e1.env").text());
    sh(ConfigCommands.swapLink(bare.toString(), ".env", false).text());
    assertThat(bare.resolve(".env")).content().isEqualTo("B=1\n");
    sh(ConfigCommands.swapLink(bare.toString(), ".env", true).text());
    assertThat(bare.resolve(".env")).doesNotExist();
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

    // and the directory of rendered files, as a link out of the release
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createSymbolicLink(release.resolve(".tarmac-config"), outside);

    assertThat(
            sh(ConfigCommands.write(release.toString(), ".env", "a1-e1.env", content, true).text()))
        .isEmpty();

    Path file = release.resolve(".env");
    assertThat(Files.readSymbolicLink(file)).hasToString(".tarmac-config/a1-e1.env");
    assertThat(Files.isSymbolicLink(release.resolve(".tarmac-config"))).isFalse();
    assertThat(outside).isEmptyDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(elsewhere)).isEqualTo("keep me");
    assertThat(Files.exists(release.resolve(".env.tarmac-new"), LinkOption.NOFOLLOW_LINKS))
        .isFalse();

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
    assertThat(
            sh(
                ConfigCommands.write(
                        release.toString(), ".env", "a1-e2.env", "# two\nA=\"b\"\n", true)
                    .text()))
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
