package dev.tarmac.distributor.store.fs;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ByteRange;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.store.StoreKeys;
import dev.tarmac.distributor.store.StoreNotFoundException;
import dev.tarmac.distributor.store.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The embedded store: each object is a file under {@code <root>/objects/<key>}. A write goes to a
 * temporary file under {@code <root>/tmp} and is renamed into place, so no reader ever sees half an
 * object; create-if-absent uses a hard link, which fails atomically when the name is taken. Signed
 * URLs point at the service ({@code publicUrl}), which checks them with {@link #signer()}.
 */
public final class FsArtifactStore implements ArtifactStore {
  private final Path objects;
  private final Path tmp;
  private final URI publicUrl;
  private final UrlSigner signer;

  public FsArtifactStore(Path root, URI publicUrl, UrlSigner signer) {
    this.objects = root.resolve("objects");
    this.tmp = root.resolve("tmp");
    this.publicUrl = publicUrl;
    this.signer = signer;
    try {
      Files.createDirectories(objects);
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new StoreException("cannot create the store directory " + root + ": " + e, e);
    }
  }

  public UrlSigner signer() {
    return signer;
  }

  /** The file holding {@code key} (it may not exist). */
  public Path path(String key) {
    return objects.resolve(StoreKeys.check(key));
  }

  @Override
  public StoredObject put(String key, InputStream content) {
    Path target = path(key);
    Staged staged = stage(key, content);
    try {
      Files.createDirectories(target.getParent());
      try {
        Files.move(staged.file, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new StoreException(
            "the store directory " + objects + " does not support atomic renames", e);
      }
      return staged.object;
    } catch (IOException e) {
      throw new StoreException("cannot write " + key + " to " + target + ": " + e, e);
    } finally {
      deleteQuietly(staged.file);
    }
  }

  @Override
  public StoredObject putIfAbsent(String key, InputStream content) {
    Path target = path(key);
    if (Files.exists(target)) {
      throw new StoreConflictException(key);
    }
    Staged staged = stage(key, content);
    try {
      try {
        Files.createDirectories(target.getParent());
      } catch (IOException e) {
        // a file where a directory must be is a failure, not "the key exists"
        throw new StoreException("cannot write " + key + " to " + target + ": " + e, e);
      }
      Files.createLink(target, staged.file);
      return staged.object;
    } catch (FileAlreadyExistsException e) {
      throw new StoreConflictException(key);
    } catch (IOException e) {
      throw new StoreException("cannot write " + key + " to " + target + ": " + e, e);
    } finally {
      deleteQuietly(staged.file);
    }
  }

  private record Staged(Path file, StoredObject object) {}

  private Staged stage(String key, InputStream content) {
    Path file = null;
    try {
      file = Files.createTempFile(tmp, "put-", ".part");
      Hashing.CountingDigestStream in = new Hashing.CountingDigestStream(content);
      try (OutputStream out = Files.newOutputStream(file)) {
        in.transferTo(out);
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      return new Staged(file, new StoredObject(key, in.count(), in.sha256Hex()));
    } catch (IOException e) {
      deleteQuietly(file);
      throw new StoreException("cannot write " + key + " to the store: " + e, e);
    }
  }

  @Override
  public InputStream get(String key, ByteRange range) {
    Path file = path(key);
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      long size = channel.size();
      if (range.offset() > 0 && range.offset() >= size) {
        channel.close();
        throw new StoreException(
            "range starts at byte " + range.offset() + " but " + key + " has " + size + " bytes");
      }
      channel.position(range.offset());
      InputStream in = Channels.newInputStream(channel);
      return range.toEnd() ? in : new BoundedInputStream(in, range.length());
    } catch (NoSuchFileException e) {
      throw new StoreNotFoundException(key);
    } catch (IOException e) {
      throw new StoreException("cannot read " + key + " at " + file + ": " + e, e);
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    Path file = path(key);
    try {
      return Files.isRegularFile(file) ? Optional.of(info(key, file)) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoreException("cannot read " + file + ": " + e, e);
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    StoreKeys.checkPrefix(prefix);
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? objects : objects.resolve(prefix.substring(0, slash));
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<ObjectInfo> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(start)) {
      files
          .filter(Files::isRegularFile)
          .forEach(
              f -> {
                String key = objects.relativize(f).toString();
                if (key.startsWith(prefix)) {
                  try {
                    found.add(info(key, f));
                  } catch (IOException e) {
                    // deleted while listing: not part of the answer
                  }
                }
              });
    } catch (IOException e) {
      throw new StoreException("cannot list " + prefix + " under " + objects + ": " + e, e);
    }
    found.sort(java.util.Comparator.comparing(ObjectInfo::key));
    return found;
  }

  private static ObjectInfo info(String key, Path file) throws IOException {
    var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
    return new ObjectInfo(key, attrs.size(), attrs.lastModifiedTime().toInstant());
  }

  @Override
  public void delete(String key) {
    Path file = path(key);
    try {
      Files.deleteIfExists(file);
      for (Path dir = file.getParent();
          !dir.equals(objects) && isEmptyDirectory(dir);
          dir = dir.getParent()) {
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new StoreException("cannot delete " + key + " at " + file + ": " + e, e);
    }
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  @Override
  public URI signedGetUrl(String key, Duration ttl) {
    return signer.sign(publicUrl, "GET", StoreKeys.check(key), ttl);
  }

  @Override
  public URI signedPutUrl(String key, Duration ttl) {
    return signer.sign(publicUrl, "PUT", StoreKeys.check(key), ttl);
  }

  @Override
  public boolean servedByService() {
    return true;
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temporary file is harmless; the next start cleans tmp/
      }
    }
  }
}
