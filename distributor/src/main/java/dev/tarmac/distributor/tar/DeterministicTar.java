package dev.tarmac.distributor.tar;

import dev.tarmac.distributor.store.Hashing;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Writes a deterministic {@code tar.gz}: the one place the rules live for the builder's artifacts
 * and the store's deltas (docs/architecture.md, "The build" and "The store").
 *
 * <ul>
 *   <li>entries in the order given — callers give them sorted by path ({@link #sortedPaths});
 *   <li>names only ({@code TarArchiveEntry(name)}), POSIX long names and big numbers;
 *   <li>the time the caller fixes (the commit's), owner 0:0 with empty user and group names;
 *   <li>modes {@link #DIR_MODE}, {@link #FILE_MODE}, {@link #EXEC_MODE}, {@link #LINK_MODE};
 *   <li>gzip level 6, header time 0 and operating system 255 ("unknown").
 * </ul>
 *
 * Content is streamed: a file of any size passes through a fixed buffer.
 */
public final class DeterministicTar implements Closeable {
  public static final int DIR_MODE = 040755;
  public static final int FILE_MODE = 0100644;
  public static final int EXEC_MODE = 0100755;
  public static final int LINK_MODE = 0120777;
  public static final int GZIP_LEVEL = 6;

  private final TarArchiveOutputStream tar;
  private final byte[] buffer = new byte[256 * 1024];

  /** Writes the compressed bytes to {@code out}, which {@link #close} closes. */
  public DeterministicTar(OutputStream out) throws IOException {
    GzipParameters gzip = new GzipParameters();
    gzip.setModificationTime(0);
    gzip.setOperatingSystem(255);
    gzip.setCompressionLevel(GZIP_LEVEL);
    tar =
        new TarArchiveOutputStream(
            new BufferedOutputStream(new GzipCompressorOutputStream(out, gzip), 1 << 20));
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  /**
   * Every path under {@code tree} (files, symlinks, directories; symlinks not followed), relative
   * and slash-separated, sorted as {@link String#compareTo} sorts; not the root.
   */
  public static List<String> sortedPaths(Path tree) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(tree)) {
      walk.filter(p -> !p.equals(tree))
          .forEach(p -> out.add(tree.relativize(p).toString().replace('\\', '/')));
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  public void directory(String path, int mode, long mtimeMillis) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(path + "/");
    put(e, mode, mtimeMillis);
    tar.closeArchiveEntry();
  }

  public void symlink(String path, String target, int mode, long mtimeMillis) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    put(e, mode, mtimeMillis);
    tar.closeArchiveEntry();
  }

  /**
   * A regular file of exactly {@code size} bytes read from {@code content} (which must hold at
   * least that many; the rest is not read). Returns the content's sha256 (lowercase hex).
   */
  public String file(String path, int mode, long size, long mtimeMillis, InputStream content)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(path);
    e.setSize(size);
    put(e, mode, mtimeMillis);
    MessageDigest digest = Hashing.sha256();
    long left = size;
    while (left > 0) {
      int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException(
            path + ": the content ended " + left + " bytes before its size (" + size + ")");
      }
      digest.update(buffer, 0, n);
      tar.write(buffer, 0, n);
      left -= n;
    }
    tar.closeArchiveEntry();
    return Hashing.hex(digest.digest());
  }

  private void put(TarArchiveEntry e, int mode, long mtimeMillis) throws IOException {
    e.setMode(mode);
    e.setModTime(mtimeMillis);
    e.setUserId(0);
    e.setGroupId(0);
    e.setUserName("");
    e.setGroupName("");
    tar.putArchiveEntry(e);
  }

  /**
   * Writes the end of the archive and the gzip trailer, and closes the output (closed even when
   * finishing fails, e.g. after a failed entry).
   */
  @Override
  public void close() throws IOException {
    tar.close();
  }
}
