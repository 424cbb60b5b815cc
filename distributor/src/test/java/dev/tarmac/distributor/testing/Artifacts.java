package dev.tarmac.distributor.testing;

import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.store.StoredObject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Test artifacts made from a real directory tree, streaming (a 1 GB file never sits in memory),
 * with commons-compress directly — independent of the production tar helper, so a test can tell
 * when that helper's bytes change.
 */
public final class Artifacts {
  private Artifacts() {}

  /** An artifact written to disk with its manifest text. */
  public record Packed(Path file, String sha256, String manifest) {}

  public static Packed pack(Path tree, Path out, Instant time) throws IOException {
    return pack(tree, out, time, 6);
  }

  /** As {@link #pack(Path, Path, Instant)}, at gzip {@code level} (1 is fastest). */
  public static Packed pack(Path tree, Path out, Instant time, int level) throws IOException {
    List<String> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(tree)) {
      walk.filter(p -> !p.equals(tree))
          .forEach(p -> paths.add(tree.relativize(p).toString().replace('\\', '/')));
    }
    paths.sort(null);
    StringBuilder manifest = new StringBuilder();
    GzipParameters gzip = new GzipParameters();
    gzip.setModificationTime(0);
    gzip.setOperatingSystem(255);
    gzip.setCompressionLevel(level);
    byte[] buffer = new byte[256 * 1024];
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(file, gzip);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (String path : paths) {
        Path p = tree.resolve(path);
        TarArchiveEntry e;
        if (Files.isSymbolicLink(p)) {
          e = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
          e.setLinkName(Files.readSymbolicLink(p).toString());
          e.setMode(0120777);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          e = new TarArchiveEntry(path + "/");
          e.setMode(040755);
        } else {
          e = new TarArchiveEntry(path);
          e.setSize(Files.size(p));
          boolean exec =
              Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
          e.setMode(exec ? 0100755 : 0100644);
        }
        e.setModTime(time.toEpochMilli());
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        tar.putArchiveEntry(e);
        if (e.isFile() && !e.isSymbolicLink()) {
          MessageDigest d = Hashing.sha256();
          try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
              d.update(buffer, 0, n);
              tar.write(buffer, 0, n);
            }
          }
          manifest.append(Hashing.hex(d.digest())).append("  ").append(path).append('\n');
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
    String sha;
    try (Hashing.CountingDigestStream in =
        new Hashing.CountingDigestStream(Files.newInputStream(out))) {
      in.transferTo(OutputStream.nullOutputStream());
      sha = in.sha256Hex();
    }
    return new Packed(out, sha, manifest.toString());
  }

  /** Packs {@code tree} and publishes it as {@code app}/{@code version}, as the builder does. */
  public static BuildRecord publish(
      ArtifactStore store, String app, String version, Path tree, Path work) throws IOException {
    return publish(store, app, version, tree, work, 6);
  }

  /** As {@link #publish(ArtifactStore, String, String, Path, Path)}, at gzip {@code level}. */
  public static BuildRecord publish(
      ArtifactStore store, String app, String version, Path tree, Path work, int level)
      throws IOException {
    Files.createDirectories(work);
    Packed packed =
        pack(tree, work.resolve(version + ".tar.gz"), Instant.parse("2026-01-02T03:04:05Z"), level);
    StoredObject artifact;
    try (InputStream in = Files.newInputStream(packed.file())) {
      artifact = store.put(StoreLayout.artifact(app, version), in);
    }
    byte[] manifest = packed.manifest().getBytes(StandardCharsets.UTF_8);
    store.put(StoreLayout.manifest(app, version), manifest);
    BuildRecord record =
        new BuildRecord(
            app,
            version,
            version,
            "0".repeat(40),
            artifact.sha256(),
            artifact.size(),
            (int) packed.manifest().lines().count(),
            Hashing.sha256Hex(manifest),
            "app: " + app + "\n",
            null,
            null,
            null);
    store.putIfAbsent(StoreLayout.buildRecord(app, version), Json.write(record));
    Files.delete(packed.file());
    return record;
  }
}
