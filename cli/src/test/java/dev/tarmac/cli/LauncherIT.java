package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The checkout's {@code ./tarmac} launcher, called through a symbolic link (issue 26, item 5). It
 * runs in a checkout of its own: the real script beside an {@code mvnw} that only records where it
 * ran and puts this build's command line where the script looks for it, so no Maven runs here.
 */
class LauncherIT {
  @Test
  void theLauncherWorksThroughASymlinkAndBuildsInItsCheckout() throws Exception {
    Path dir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target").toAbsolutePath()), "launcher-it-");
    Path checkout = Files.createDirectories(dir.resolve("checkout"));
    Path script = checkout.resolve("tarmac");
    Files.copy(Path.of(System.getProperty("tarmac.home"), "tarmac"), script);
    Path cliJar = Path.of(System.getProperty("tarmac.cli.classpath").split(":")[0]);
    Path mvnw = checkout.resolve("mvnw");
    Files.writeString(
        mvnw,
        """
        #!/bin/sh
        pwd > ran-in
        mkdir -p cli/target builder/target/quarkus-app
        cp '%s' cli/target/tarmac-cli-0.1.0-SNAPSHOT.jar
        ln -s '%s' cli/target/lib
        touch builder/target/quarkus-app/quarkus-run.jar
        echo built
        """
            .formatted(cliJar, cliJar.resolveSibling("lib")));
    assertThat(script.toFile().setExecutable(true) && mvnw.toFile().setExecutable(true)).isTrue();
    Path bin = Files.createDirectories(dir.resolve("home/bin"));
    Files.createSymbolicLink(bin.resolve("tarmac"), Path.of("../../checkout/tarmac"));
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

    ProcessBuilder pb =
        new ProcessBuilder(bin.resolve("tarmac").toString(), "--version")
            .directory(elsewhere.toFile())
            .redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();

    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .isEqualTo(
            "tarmac: building Tarmac first (./mvnw package, tests skipped; a few minutes the"
                + " first time)\n"
                + Main.VERSION
                + "\n");
    assertThat(checkout.resolve("ran-in")).hasContent(checkout.toRealPath() + "\n");
    assertThat(checkout.resolve(".tarmac-build.log")).hasContent("built\n");
    assertThat(bin.resolve(".tarmac-build.log")).doesNotExist();

    // the start the installed tarball has (issue 26, item 7): a class-data archive, made once
    // after the build, then used by every call
    assertThat(checkout.resolve("cli/target/tarmac.jsa")).isNotEmptyFile();
    Path loaded = dir.resolve("class-load.log");
    ProcessBuilder again =
        new ProcessBuilder(bin.resolve("tarmac").toString(), "--version")
            .directory(elsewhere.toFile())
            .redirectErrorStream(true);
    again.environment().put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + loaded);
    Process second = again.start();
    String secondOut = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(second.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(second.exitValue()).as(secondOut).isZero();
    assertThat(secondOut).endsWith(Main.VERSION + "\n").doesNotContain("building");
    assertThat(loaded)
        .content()
        .containsPattern("dev\\.tarmac\\.cli\\.Main source: shared objects file \\(top\\)");
  }
}
