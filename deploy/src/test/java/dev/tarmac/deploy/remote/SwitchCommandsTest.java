package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
