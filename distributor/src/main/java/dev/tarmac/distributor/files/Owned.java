package dev.tarmac.distributor.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A path's owner, mode and whether it is a link: what decides if the service may trust a directory
 * it writes into and reads back from (the build sandbox's root, the build tools, the uid locks, the
 * deltas' working directory). A directory under {@code /tmp} may have been made by anyone, a build
 * run with setpriv included (docs/architecture.md, "Build isolation").
 */
public record Owned(int owner, Set<PosixFilePermission> perms, boolean link) {
  /** The service's, not a link, writable by no one else. */
  public boolean onlyOurs() {
    return owner == ownUid()
        && !link
        && !perms.contains(PosixFilePermission.GROUP_WRITE)
        && !perms.contains(PosixFilePermission.OTHERS_WRITE);
  }

  public String mode() {
    return PosixFilePermissions.toString(perms);
  }

  public static Owned of(Path path) throws IOException {
    return new Owned(
        (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS),
        Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS),
        Files.isSymbolicLink(path));
  }

  /**
   * {@code dir}, made with {@code mode} (and its parents) when missing, as found: the caller
   * refuses it unless {@link #onlyOurs()}. Another service or build may make it at the same moment:
   * then it is checked like any other.
   */
  public static Owned directory(Path dir, String mode) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(
            dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
      } catch (FileAlreadyExistsException e) {
        // made at the same moment, or a link: checked by the caller
      }
    }
    return of(dir);
  }

  /** This process's uid. */
  public static int ownUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot tell the service's uid from /proc/self", e);
    }
  }
}
