package dev.tarmac.builder.build.steps;

import dev.tarmac.builder.build.BuildException;
import dev.tarmac.builder.build.BuildStep;
import dev.tarmac.builder.build.TreeFiles;
import dev.tarmac.distributor.model.Manifest;
import dev.tarmac.distributor.store.Hashing;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Packs the tree into a deterministic {@code tar.gz}: entries sorted by path, every time set to the
 * commit's time, owner 0:0 with no names, modes 755/644 from the executable bit, POSIX long names,
 * gzip header time 0. The same tree gives the same bytes on any machine with this JDK. Symlinks are
 * kept when they stay inside the tree and refused otherwise. The manifest (sha256 of every regular
 * file) is computed in the same pass.
 */
public final class PackTarballStep implements BuildStep<PackTarballStep.Packed> {
  public record Packed(Path artifact, String sha256, long size, Manifest manifest) {}

  private static final int DIR_MODE = 040755;
  private static final int FILE_MODE = 0100644;
  private static final int EXEC_MODE = 0100755;
  private static final int LINK_MODE = 0120777;

  private final Path tree;
  private final Path artifact;
  private final Instant time;

  public PackTarballStep(Path tree, Path artifact, Instant time) {
    this.tree = tree;
    this.artifact = artifact;
    this.time = time;
  }

  @Override
  public Packed run() throws IOException {
    List<Manifest.Entry> entries = new ArrayList<>();
    MessageDigest artifactDigest = Hashing.sha256();
    GzipParameters gzip = new GzipParameters();
    gzip.setModificationTime(0);
    gzip.setOperatingSystem(255);
    gzip.setCompressionLevel(6);
    byte[] buffer = new byte[256 * 1024];
    try (OutputStream file = Files.newOutputStream(artifact);
        DigestOutputStream digesting =
            new DigestOutputStream(new BufferedOutputStream(file, 1 << 20), artifactDigest);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(digesting, gzip);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(new BufferedOutputStream(gz, 1 << 20))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (String path : TreeFiles.allPaths(tree)) {
        Manifest.checkPath(path);
        Path p = tree.resolve(path);
        TarArchiveEntry entry;
        if (Files.isSymbolicLink(p)) {
          entry = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
          entry.setLinkName(checkLink(path, p));
          entry.setMode(LINK_MODE);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          entry = new TarArchiveEntry(path + "/");
          entry.setMode(DIR_MODE);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          entry = new TarArchiveEntry(path);
          entry.setSize(Files.size(p));
          boolean exec =
              Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
                  .contains(PosixFilePermission.OWNER_EXECUTE);
          entry.setMode(exec ? EXEC_MODE : FILE_MODE);
        } else {
          throw new BuildException(
              path + " is neither a file, a directory nor a symlink; remove it or exclude it");
        }
        entry.setModTime(time.toEpochMilli());
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
        tar.putArchiveEntry(entry);
        if (entry.isFile() && !entry.isSymbolicLink()) {
          MessageDigest fileDigest = Hashing.sha256();
          try (InputStream in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
              fileDigest.update(buffer, 0, n);
              tar.write(buffer, 0, n);
            }
          }
          entries.add(new Manifest.Entry(path, Hashing.hex(fileDigest.digest())));
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
    return new Packed(
        artifact,
        Hashing.hex(artifactDigest.digest()),
        Files.size(artifact),
        new Manifest(entries));
  }

  private String checkLink(String path, Path link) throws IOException {
    Path target = Files.readSymbolicLink(link);
    Path resolved = link.getParent().resolve(target).normalize();
    if (target.isAbsolute() || !resolved.startsWith(tree.normalize())) {
      throw new BuildException(
          "symlink "
              + path
              + " -> "
              + target
              + " points outside the release tree; make it a relative link to a path inside the repository,"
              + " or exclude it");
    }
    return target.toString();
  }
}
