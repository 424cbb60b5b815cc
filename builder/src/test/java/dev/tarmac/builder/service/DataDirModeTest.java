package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** The service's own guard of its data directory (docs/operations.md, "Data directory"). */
class DataDirModeTest {
  @Test
  void aMissingDataDirIsMadePrivateAndOneOthersCanWriteIsRefusedUnchanged() throws Exception {
    Path parent = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "data-dir-");
    Path made = parent.resolve("a/b/data");
    ServiceConfig.keepPrivate(made);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made)))
        .isEqualTo("rwx------");

    Path open = Files.createDirectory(parent.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxr-x"));
    assertThatThrownBy(() -> ServiceConfig.keepPrivate(open))
        .hasMessageContaining("tarmac.data-dir " + open)
        .hasMessageContaining("writable by other users (mode rwxrwxr-x)")
        .hasMessageContaining("chmod 700 " + open);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open)))
        .isEqualTo("rwxrwxr-x");
  }
}
