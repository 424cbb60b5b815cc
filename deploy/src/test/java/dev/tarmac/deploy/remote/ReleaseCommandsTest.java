package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseCommandsTest {
  private final ReleaseLayout layout = new ReleaseLayout("/srv/shop/");

  @Test
  void switchCurrentIsLinkThenRenameNeverRemove() {
    assertThat(ReleaseCommands.switchCurrent(layout, "v1.4.0"))
        .isEqualTo(
            "ln -sfn releases/v1.4.0 /srv/shop/.current.v1.4.0.tmp && mv -T /srv/shop/.current.v1.4.0.tmp /srv/shop/current");
  }

  @Test
  void readCurrentToleratesAHostWithNoReleaseYet() {
    assertThat(ReleaseCommands.readCurrent(layout)).isEqualTo("readlink /srv/shop/current || true");
  }

  @Test
  void versionsAndPathsThatCouldReachAShellAreRefused() {
    assertThatThrownBy(() -> ReleaseCommands.switchCurrent(layout, "v1;rm -rf /"))
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
          new ProcessBuilder("sh", "-c", ReleaseCommands.switchCurrent(real, version))
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
}
