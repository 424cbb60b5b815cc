package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The switch: exact strings, and a real switch replacing current in one step. */
class SwitchCommandsTest {
  private final ReleaseLayout layout = new ReleaseLayout("/srv/shop/");

  @Test
  void switchCurrentIsLinkThenRenameNeverRemove() {
    assertThat(SwitchCommands.switchCurrent(layout, "v1.4.0").text())
        .isEqualTo(
            "ln -sfn releases/v1.4.0 /srv/shop/.current.v1.4.0.tmp && mv -T /srv/shop/.current.v1.4.0.tmp /srv/shop/current");
  }

  @Test
  void versionsAndPathsThatCouldReachAShellAreRefused() {
    assertThatThrownBy(() -> SwitchCommands.switchCurrent(layout, "v1;rm -rf /").text())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReleaseLayout("srv/shop"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReleaseLayout("/srv/../etc"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void quotingKeepsOneWord() {
    assertThat(Shell.quote("plain/path-1.0")).isEqualTo("plain/path-1.0");
    assertThat(Shell.quote("it's $HOME")).isEqualTo("'it'\\''s $HOME'");
    assertThat(Shell.quote("")).isEqualTo("''");
  }

  @Test
  void theSwitchReallyReplacesCurrentInOneStep(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("releases/v1"));
    Files.createDirectories(dir.resolve("releases/v2"));
    ReleaseLayout real = new ReleaseLayout(dir.toString());
    for (String version : new String[] {"v1", "v2"}) {
      Process p =
          new ProcessBuilder("sh", "-c", SwitchCommands.switchCurrent(real, version).text())
              .redirectErrorStream(true)
              .start();
      assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    assertThat(Files.readSymbolicLink(dir.resolve("current"))).isEqualTo(Path.of("releases/v2"));
    try (var entries = Files.list(dir)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("current", "releases");
    }
  }

  @Test
  void theSwitchIsStagedThenOneRename() {
    assertThat(SwitchCommands.stageCurrent(layout, "v2").text())
        .isEqualTo("ln -sfn releases/v2 /srv/shop/.current.v2.tmp");
    assertThat(SwitchCommands.swapCurrent(layout, "v2").text())
        .isEqualTo("mv -T /srv/shop/.current.v2.tmp /srv/shop/current");
    assertThat(SwitchCommands.removeCurrent(layout).text()).isEqualTo("rm -f /srv/shop/current");
    assertThat(SwitchCommands.versionOf("releases/v2\n")).isEqualTo("v2");
    assertThat(SwitchCommands.versionOf("noise from .bashrc\nreleases/v2")).isEqualTo("v2");
    assertThat(SwitchCommands.versionOf("")).isNull();
  }

  @Test
  void theSwitchAtTheGoIsAPerlWaiterWithTheShellsWayBehindIt() {
    String waiter = Shell.quote(SwitchCommands.WAITER);
    String fence =
        "g=; read -r g < /srv/shop/.tarmac/lock/id 2>/dev/null; [ \"$g\" = 7-k2 ] || { echo"
            + " \"fenced: the host lock now belongs to $(cat /srv/shop/.tarmac/lock/owner 2>/dev/null"
            + " || echo nobody); this run (generation 7-k2) changes nothing more here\" >&2; exit 76;"
            + " }\n";
    assertThat(SwitchCommands.atGo(layout, "7-k2", "v2", List.of(), null).text())
        .isEqualTo(
            "if command -v perl > /dev/null 2>&1; then\nperl -e "
                + waiter
                + " \"$tm_id\" 7-k2 /srv/shop/.tarmac/lock/id /srv/shop/.tarmac/lock/owner"
                + " mv /srv/shop/.current.v2.tmp /srv/shop/current\nelse\ntm_ack\n{ "
                + fence
                + "mv -T /srv/shop/.current.v2.tmp /srv/shop/current\n} < /dev/null\nfi || exit $?");
    assertThat(
            SwitchCommands.atGo(
                    layout, "7-k2", null, List.of(), HostCommand.of("reload", "nginx -s reload"))
                .text())
        .isEqualTo(
            "if command -v perl > /dev/null 2>&1; then\nperl -e "
                + waiter
                + " \"$tm_id\" 7-k2 /srv/shop/.tarmac/lock/id /srv/shop/.tarmac/lock/owner"
                + " rm /srv/shop/current\nelse\ntm_ack\n{ "
                + fence
                + "rm -f /srv/shop/current\n} < /dev/null\nfi || exit $?\n{ nginx -s reload\n} <"
                + " /dev/null 3>&-");
    // the proxy's upstream renamed at the same moment, by the waiter or right after mv -T
    assertThat(
            SwitchCommands.atGo(
                    layout,
                    "7-k2",
                    "v2",
                    List.of(new SwitchCommands.Rename("/etc/up.conf.new", "/etc/up.conf")),
                    null)
                .text())
        .isEqualTo(
            "if command -v perl > /dev/null 2>&1; then\nperl -e "
                + waiter
                + " \"$tm_id\" 7-k2 /srv/shop/.tarmac/lock/id /srv/shop/.tarmac/lock/owner"
                + " mv /srv/shop/.current.v2.tmp /srv/shop/current mv /etc/up.conf.new"
                + " /etc/up.conf\nelse\ntm_ack\n{ "
                + fence
                + "mv -T /srv/shop/.current.v2.tmp /srv/shop/current && mv -f /etc/up.conf.new"
                + " /etc/up.conf\n} < /dev/null\nfi || exit $?");
    assertThat(SwitchCommands.atGo(layout, "7-k2", "v2", List.of(), null).label())
        .isEqualTo("switch");
    assertThatThrownBy(() -> SwitchCommands.atGo(layout, "7;k", "v2", List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * The switch held at the go, through the real loop: with Perl (the waiter) and on a host whose
   * PATH has no Perl (the loop's own acknowledgement and {@code mv -T}), the same results.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void theSwitchWaitsForTheGoIsFencedAndCancelledAlike(boolean perl, @TempDir Path dir)
      throws Exception {
    Path deploy = Files.createDirectories(dir.resolve("srv"));
    Files.createDirectories(deploy.resolve("releases/v1"));
    Files.createDirectories(deploy.resolve("releases/v2"));
    Files.createDirectories(deploy.resolve(".tarmac/lock"));
    Files.writeString(deploy.resolve(".tarmac/lock/id"), "7-k2\n");
    Files.writeString(deploy.resolve(".tarmac/lock/owner"), "ann (run 7)\n");
    Files.createSymbolicLink(deploy.resolve("current"), Path.of("releases/v1"));
    ReleaseLayout real = new ReleaseLayout(deploy.toString());
    Duration t = Duration.ofSeconds(20);
    try (HostShell shell = shell(perl, dir)) {
      // held: nothing changes before the go; what runs after it reads nothing of the loop's input
      assertThat(shell.run(SwitchCommands.stageCurrent(real, "v2").text(), t).ok()).isTrue();
      Files.writeString(deploy.resolve("up.conf"), "old\n");
      Files.writeString(deploy.resolve("up.conf.new"), "new\n");
      HostShell.Gate gate =
          shell.gate(
              SwitchCommands.atGo(
                      real,
                      "7-k2",
                      "v2",
                      List.of(
                          new SwitchCommands.Rename(
                              deploy.resolve("up.conf.new").toString(),
                              deploy.resolve("up.conf").toString())),
                      HostCommand.of(
                          "extra",
                          "echo extra; cat; readlink "
                              + deploy.resolve("current")
                              + "; echo after"))
                  .text(),
              t);
      gate.awaitReady(t);
      assertThat(waiters(deploy)).as("a Perl waiter holds the switch").isEqualTo(perl ? 1 : 0);
      Thread.sleep(100);
      assertThat(Files.readSymbolicLink(deploy.resolve("current")))
          .isEqualTo(Path.of("releases/v1"));
      // told to act 400 ms after the signal: nothing changes before that moment
      long signalled = System.nanoTime();
      java.time.Instant moment = gate.signal(signalled + 400_000_000L);
      assertThat(moment).isAfter(java.time.Instant.now().plusMillis(250));
      Thread.sleep(150);
      assertThat(Files.readSymbolicLink(deploy.resolve("current")))
          .isEqualTo(Path.of("releases/v1"));
      assertThat(deploy.resolve("up.conf")).hasContent("old");
      CommandResult done = gate.await(moment);
      assertThat(deploy.resolve("up.conf")).hasContent("new");
      assertThat(deploy.resolve("up.conf.new")).doesNotExist();
      assertThat(System.nanoTime() - signalled).isGreaterThanOrEqualTo(400_000_000L);
      assertThat(done.exitCode()).as(done.stderr()).isZero();
      assertThat(done.stdout()).isEqualTo("extra\nreleases/v2\nafter\n");
      assertThat(Files.readSymbolicLink(deploy.resolve("current")))
          .isEqualTo(Path.of("releases/v2"));
      assertThat(
              Files.exists(
                  deploy.resolve(".current.v2.tmp"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .isFalse();
      assertThat(shell.run("echo usable", t).stdout()).isEqualTo("usable\n");

      // cancelled: exit 125, nothing changed, the loop reads on
      assertThat(shell.run(SwitchCommands.stageCurrent(real, "v1").text(), t).ok()).isTrue();
      HostShell.Gate no =
          shell.gate(SwitchCommands.atGo(real, "7-k2", "v1", List.of(), null).text(), t);
      no.awaitReady(t);
      no.cancel();
      assertThat(Files.readSymbolicLink(deploy.resolve("current")))
          .isEqualTo(Path.of("releases/v2"));
      assertThat(shell.run("echo still", t).stdout()).isEqualTo("still\n");

      // fenced at the go: the lock changed hands after the host acknowledged
      HostShell.Gate fenced =
          shell.gate(SwitchCommands.atGo(real, "7-k2", "v1", List.of(), null).text(), t);
      fenced.awaitReady(t);
      Files.writeString(deploy.resolve(".tarmac/lock/id"), "8-k3\n");
      Files.writeString(deploy.resolve(".tarmac/lock/owner"), "bob (run 8)\n");
      CommandResult r = fenced.await(fenced.signal());
      assertThat(r.exitCode()).isEqualTo(HostCommands.FENCED);
      assertThat(r.stderr())
          .isEqualTo(
              "fenced: the host lock now belongs to bob (run 8); this run (generation 7-k2) changes"
                  + " nothing more here\n");
      assertThat(Files.readSymbolicLink(deploy.resolve("current")))
          .isEqualTo(Path.of("releases/v2"));

      // a host that had nothing before: current taken away; a missing one is no failure
      for (int i = 0; i < 2; i++) {
        HostShell.Gate remove =
            shell.gate(SwitchCommands.atGo(real, "8-k3", null, List.of(), null).text(), t);
        remove.awaitReady(t);
        CommandResult removed = remove.await(remove.signal());
        assertThat(removed.exitCode()).as(removed.stderr()).isZero();
        assertThat(Files.exists(deploy.resolve("current"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
            .isFalse();
      }

      // a rename that fails says so and stops before what follows
      HostShell.Gate failing =
          shell.gate(
              SwitchCommands.atGo(
                      real, "8-k3", "v9", List.of(), HostCommand.of("extra", "echo extra"))
                  .text(),
              t);
      failing.awaitReady(t);
      CommandResult f = failing.await(failing.signal());
      assertThat(f.exitCode()).isEqualTo(1);
      assertThat(f.stdout()).isEmpty();
      assertThat(f.stderr()).contains(".current.v9.tmp");
    }
  }

  /** Perl processes holding a switch of {@code deploy}. */
  private static long waiters(Path deploy) {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info().command().map(c -> c.endsWith("/perl")).orElse(false)
                    && p.info()
                        .arguments()
                        .map(a -> String.join(" ", a))
                        .orElse("")
                        .contains(deploy.toString()))
        .count();
  }

  /** The loop in {@code sh}, on the usual PATH, or on one with only what the loop needs. */
  private static HostShell shell(boolean perl, Path dir) throws IOException {
    ProcessBuilder b = new ProcessBuilder("/bin/sh", "-c", HostShell.script());
    if (!perl) {
      Path bin = Files.createDirectories(dir.resolve("bin"));
      for (String tool :
          List.of("sh", "mktemp", "tail", "mv", "rm", "ln", "cat", "readlink", "sleep")) {
        Path real = Path.of("/usr/bin", tool);
        Files.createSymbolicLink(
            bin.resolve(tool), Files.exists(real) ? real : Path.of("/bin", tool));
      }
      b.environment().put("PATH", bin.toString());
    }
    Process p = b.start();
    return new HostShell(
        "h1",
        p.getInputStream(),
        p.getErrorStream(),
        p.getOutputStream(),
        p::destroy,
        Duration.ofSeconds(10));
  }
}
