package dev.tarmac.distributor.delta;

import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoredObject;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Deltas between two builds of an app: {@code apps/<app>/deltas/<from>..<to>.tar.gz}, made on
 * demand from the two artifacts in the store and kept (its record, written last, says it is
 * complete). A delta holds the entries of {@code to} that are new or differ from {@code from} (by
 * type, mode, symlink target or sha256 — and every entry under {@code fresh} paths, which a host
 * cannot take from its copy of {@code from} because they were replaced by shared links), plus
 * {@value #DIR}:
 *
 * <ul>
 *   <li>{@code unchanged.txt}: the entries of {@code to} a host copies from its {@code from};
 *   <li>{@code manifest.sha256}: the full manifest of {@code to}, to check the result.
 * </ul>
 */
public final class Deltas {
  public static final String DIR = ".tarmac-delta";

  private final ArtifactStore store;
  private final Path tmp;
  private final Map<String, Object> making = new ConcurrentHashMap<>();

  public Deltas(ArtifactStore store, Path tmp) {
    this.store = store;
    this.tmp = tmp;
  }

  /** One entry of an artifact, as far as a delta cares. */
  record Item(char type, int mode, String link, String sha256) {}

  /** The delta from {@code from} to {@code to}, made now unless it is in the store already. */
  public DeltaRecord ensure(String app, String from, String to, Set<String> fresh) {
    String recordKey = StoreLayout.deltaRecord(app, from, to);
    if (store.exists(recordKey)) {
      return Json.read(store.readAllBytes(recordKey), DeltaRecord.class);
    }
    synchronized (making.computeIfAbsent(recordKey, k -> new Object())) {
      if (store.exists(recordKey)) {
        return Json.read(store.readAllBytes(recordKey), DeltaRecord.class);
      }
      try {
        DeltaRecord made = make(app, from, to, fresh);
        try {
          store.putIfAbsent(recordKey, Json.write(made));
        } catch (StoreConflictException e) {
          // another service made the same delta: same bytes, same record
        }
        return made;
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot make the delta " + from + " → " + to + " of " + app + ": " + e.getMessage(), e);
      }
    }
  }

  private DeltaRecord make(String app, String from, String to, Set<String> fresh)
      throws IOException {
    Map<String, Item> base = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = open(StoreLayout.artifact(app, from))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String path = normal(e.getName());
        if (!path.isEmpty()) {
          base.put(path, item(e, tar));
        }
      }
    }
    Files.createDirectories(tmp);
    Path file = Files.createTempFile(tmp, "delta-", ".tar.gz");
    List<String> unchanged = new ArrayList<>();
    int changed = 0;
    Set<String> all = new java.util.HashSet<>();
    try {
      GzipParameters gzip = new GzipParameters();
      gzip.setModificationTime(0);
      gzip.setOperatingSystem(255);
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
          GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out, gzip);
          TarArchiveOutputStream delta = new TarArchiveOutputStream(gz);
          TarArchiveInputStream target = open(StoreLayout.artifact(app, to))) {
        delta.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        delta.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (TarArchiveEntry e; (e = target.getNextEntry()) != null; ) {
          String path = normal(e.getName());
          if (path.isEmpty()) {
            continue;
          }
          all.add(path);
          byte[] content = e.isFile() ? target.readAllBytes() : new byte[0];
          Item now =
              new Item(
                  type(e),
                  e.getMode() & 07777,
                  e.isSymbolicLink() ? e.getLinkName() : null,
                  e.isFile() ? Hashing.sha256Hex(content) : null);
          if (now.equals(base.get(path)) && !underAny(path, fresh)) {
            unchanged.add(path);
            continue;
          }
          changed++;
          TarArchiveEntry copy = copyOf(e, path);
          delta.putArchiveEntry(copy);
          if (e.isFile()) {
            delta.write(content);
          }
          delta.closeArchiveEntry();
        }
        add(
            delta,
            DIR + "/unchanged.txt",
            String.join("", unchanged.stream().map(p -> p + "\n").toList()));
        add(
            delta,
            DIR + "/manifest.sha256",
            new String(store.readAllBytes(StoreLayout.manifest(app, to)), StandardCharsets.UTF_8));
        delta.finish();
      }
      int removed = (int) base.keySet().stream().filter(p -> !all.contains(p)).count();
      StoredObject stored;
      try (InputStream in = Files.newInputStream(file)) {
        stored = store.put(StoreLayout.delta(app, from, to), in);
      }
      return new DeltaRecord(
          app,
          from,
          to,
          stored.sha256(),
          stored.size(),
          changed,
          unchanged.size(),
          removed,
          all.size());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private TarArchiveInputStream open(String key) throws IOException {
    return new TarArchiveInputStream(
        new GzipCompressorInputStream(new BufferedInputStream(store.get(key), 1 << 20)));
  }

  private static Item item(TarArchiveEntry e, TarArchiveInputStream tar) throws IOException {
    String sha = null;
    if (e.isFile()) {
      java.security.MessageDigest d = Hashing.sha256();
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = tar.read(buffer)) > 0; ) {
        d.update(buffer, 0, n);
      }
      sha = Hashing.hex(d.digest());
    }
    return new Item(type(e), e.getMode() & 07777, e.isSymbolicLink() ? e.getLinkName() : null, sha);
  }

  private static char type(TarArchiveEntry e) {
    return e.isSymbolicLink() ? 'l' : e.isDirectory() ? 'd' : e.isFile() ? 'f' : '?';
  }

  private static TarArchiveEntry copyOf(TarArchiveEntry e, String path) {
    TarArchiveEntry copy;
    if (e.isSymbolicLink()) {
      copy = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
      copy.setLinkName(e.getLinkName());
    } else if (e.isDirectory()) {
      copy = new TarArchiveEntry(path + "/");
    } else {
      copy = new TarArchiveEntry(path);
      copy.setSize(e.getSize());
    }
    copy.setMode(e.getMode());
    copy.setModTime(e.getModTime());
    copy.setUserId(0);
    copy.setGroupId(0);
    copy.setUserName("");
    copy.setGroupName("");
    return copy;
  }

  private static void add(TarArchiveOutputStream tar, String name, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(bytes.length);
    e.setMode(0644);
    e.setModTime(0);
    e.setUserName("");
    e.setGroupName("");
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  /** {@code ./public/x/} → {@code public/x}; the root entry → empty. */
  static String normal(String name) {
    String n = name.startsWith("./") ? name.substring(2) : name;
    n = n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    return n.equals(".") ? "" : n;
  }

  static boolean underAny(String path, Set<String> prefixes) {
    for (String p : prefixes) {
      if (path.equals(p) || path.startsWith(p + "/")) {
        return true;
      }
    }
    return false;
  }
}
