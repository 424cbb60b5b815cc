package dev.tarmac.distributor.delta;

import dev.tarmac.distributor.files.Owned;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Manifest;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.records.StoredJson;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.store.IntegrityException;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreNotFoundException;
import dev.tarmac.distributor.store.StoredObject;
import dev.tarmac.distributor.tar.DeterministicTar;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

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
 *
 * <p>Made by streaming (docs/architecture.md, "The store"): memory holds one small record per entry
 * and the two manifests, never a file's content, whatever its size. Both manifests are read first
 * and checked against their build records; they give each regular file's sha256, so no content is
 * hashed. Pass 1 reads {@code from} (type, mode, link, size per entry); pass 2 reads {@code to} and
 * copies each entry that changed into the delta as it streams by. Each pass hashes the artifact it
 * reads, and the result is refused ({@link IntegrityException}, nothing stored) unless both
 * artifacts match their build records. A delta found in the store is used only when its record
 * names those same inputs and its bytes still match the record; otherwise it is made again.
 */
public final class Deltas {
  public static final String DIR = ".tarmac-delta";

  /** How long a cached delta checked by this instance is trusted without reading it again. */
  public static final Duration VERIFIED_FOR = Duration.ofMinutes(1);

  private static final System.Logger LOG = System.getLogger(Deltas.class.getName());

  private final ArtifactStore store;
  private final BuildRecords builds;
  private final DeltaRecords records;
  private final Path tmp;
  private final Clock clock;
  private final Duration verifiedFor;
  private final Map<String, Object> making = new ConcurrentHashMap<>();
  private final Map<String, Verified> verified = new ConcurrentHashMap<>();

  public Deltas(ArtifactStore store, Path tmp) {
    this(store, tmp, Clock.systemUTC(), VERIFIED_FOR);
  }

  /**
   * @param verifiedFor how long a delta this instance has made or read whole stays trusted (its
   *     size is still compared at every use); a host checks the sha256 of what it downloads anyway
   */
  public Deltas(ArtifactStore store, Path tmp, Clock clock, Duration verifiedFor) {
    this.store = store;
    this.builds = new BuildRecords(store);
    this.records = new DeltaRecords(store);
    this.tmp = tmp;
    this.clock = clock;
    this.verifiedFor = verifiedFor;
  }

  /**
   * One entry of an artifact, as far as a delta cares; a regular file's sha256 from its manifest.
   */
  record Item(char type, int mode, String link, long size, String sha256) {}

  private record Verified(DeltaRecord record, Instant at) {}

  /**
   * The delta from {@code from} to {@code to}, made now unless a good one is in the store already.
   *
   * @throws IntegrityException when an artifact or the manifest in the store does not match its
   *     build record (no delta is stored)
   */
  public DeltaRecord ensure(String app, String from, String to, Set<String> fresh) {
    String recordKey = DeltaRecords.recordKey(app, from, to);
    synchronized (making.computeIfAbsent(recordKey, k -> new Object())) {
      BuildRecord fromBuild = build(app, from);
      BuildRecord toBuild = build(app, to);
      List<String> shared = List.copyOf(new TreeSet<>(fresh));
      Optional<DeltaRecord> cached =
          cached(recordKey, DeltaRecords.deltaKey(app, from, to), fromBuild, toBuild, shared);
      if (cached.isPresent()) {
        return cached.get();
      }
      verified.remove(recordKey);
      store.delete(recordKey);
      try {
        DeltaRecord made = make(fromBuild, toBuild, shared);
        records.put(made);
        verified.put(recordKey, new Verified(made, clock.instant()));
        return made;
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot make the delta " + from + " → " + to + " of " + app + ": " + e.getMessage(), e);
      }
    }
  }

  private BuildRecord build(String app, String version) {
    String key = BuildRecords.recordKey(app, version);
    try {
      BuildRecord build = builds.read(app, version);
      if (!app.equals(build.app()) || !version.equals(build.version())) {
        throw new IntegrityException(
            key
                + " is the record of "
                + build.app()
                + " "
                + build.version()
                + ", not of "
                + app
                + " "
                + version
                + ": no delta was made; restore the build record or build the tag again");
      }
      return build;
    } catch (StoreNotFoundException e) {
      throw new StoreNotFoundException(
          "no build record "
              + key
              + ": a delta is made only between published builds; build "
              + version
              + " first");
    }
  }

  /** The delta in the store, when its record names these inputs and its bytes match the record. */
  private Optional<DeltaRecord> cached(
      String recordKey,
      String key,
      BuildRecord fromBuild,
      BuildRecord toBuild,
      List<String> shared) {
    if (!store.exists(recordKey)) {
      return Optional.empty();
    }
    DeltaRecord r;
    try {
      r = StoredJson.read(store, recordKey, DeltaRecord.class);
    } catch (RuntimeException e) {
      warn(recordKey + " cannot be read (" + e.getMessage() + "); making the delta again");
      return Optional.empty();
    }
    if (!Objects.equals(r.app(), fromBuild.app())
        || !Objects.equals(r.from(), fromBuild.version())
        || !Objects.equals(r.to(), toBuild.version())
        || !Objects.equals(r.fromSha256(), fromBuild.sha256())
        || !Objects.equals(r.toSha256(), toBuild.sha256())
        || !Objects.equals(r.manifestSha256(), toBuild.manifestSha256())
        || !shared.equals(r.fresh())) {
      // an older record (made before its inputs were recorded), or made from other inputs
      return Optional.empty();
    }
    Optional<ObjectInfo> info = store.stat(key);
    if (info.isEmpty() || info.get().size() != r.size()) {
      warn(key + " is missing or not " + r.size() + " bytes as its record says; making it again");
      return Optional.empty();
    }
    Verified v = verified.get(recordKey);
    if (v != null && v.record().equals(r) && clock.instant().isBefore(v.at().plus(verifiedFor))) {
      return Optional.of(r);
    }
    Optional<String> wrong = check(key, r);
    if (wrong.isPresent()) {
      warn(wrong.get() + "; making it again");
      return Optional.empty();
    }
    verified.put(recordKey, new Verified(r, clock.instant()));
    return Optional.of(r);
  }

  /** Reads a stored delta whole: what is wrong with it, or empty when it matches its record. */
  private Optional<String> check(String key, DeltaRecord r) {
    String manifestKey = DIR + "/manifest.sha256";
    String manifestSha = null;
    Hashing.CountingDigestStream raw;
    try (TarArchiveInputStream tar = tar(raw = new Hashing.CountingDigestStream(store.get(key)))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.getName().equals(manifestKey)) {
          manifestSha = sha256(tar);
        }
      }
      drain(raw);
    } catch (IOException | RuntimeException e) {
      return Optional.of(key + " cannot be read as a tar.gz (" + e.getMessage() + ")");
    }
    if (raw.count() != r.size() || !raw.sha256Hex().equals(r.sha256())) {
      return Optional.of(
          key
              + " has sha256 "
              + raw.sha256Hex()
              + " ("
              + raw.count()
              + " bytes), its record says "
              + r.sha256()
              + " ("
              + r.size()
              + " bytes)");
    }
    if (!Objects.equals(r.manifestSha256(), manifestSha)) {
      return Optional.of(
          key
              + " carries a manifest with sha256 "
              + manifestSha
              + ", the build record of "
              + r.to()
              + " says "
              + r.manifestSha256());
    }
    return Optional.empty();
  }

  private DeltaRecord make(BuildRecord fromBuild, BuildRecord toBuild, List<String> fresh)
      throws IOException {
    String app = fromBuild.app();
    String fromKey = BuildRecords.artifactKey(app, fromBuild.version());
    String toKey = BuildRecords.artifactKey(app, toBuild.version());
    // a file's sha256 comes from its build's manifest (checked against the build record), so
    // no file's content is hashed here: the artifact's own sha256 vouches for the content
    Map<String, String> fromFiles = manifest(fromBuild).files;
    BuildManifest toManifest = manifest(toBuild);

    // pass 1: what a host has
    Map<String, Item> base = new HashMap<>();
    String unlisted = null;
    Hashing.CountingDigestStream raw;
    try (TarArchiveInputStream tar =
        tar(raw = new Hashing.CountingDigestStream(store.get(fromKey)))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String path = normal(e.getName());
        if (!path.isEmpty()) {
          Item item = item(e, path, fromFiles);
          unlisted = item.type() == 'f' && item.sha256() == null ? path : unlisted;
          base.put(path, item);
        }
      }
      drain(raw);
    }
    expect(fromKey, raw, fromBuild, fromBuild.sha256());
    listed(fromKey, unlisted);
    fromFiles = null;

    // pass 2: what changed, copied into the delta as it streams by
    List<String> unchanged = new ArrayList<>();
    int changed = 0;
    int entries = 0;
    Path file = Files.createTempFile(ownDirectory(tmp), "delta-", ".tar.gz");
    try {
      try (TarArchiveInputStream target =
              tar(raw = new Hashing.CountingDigestStream(store.get(toKey)));
          DeterministicTar delta =
              new DeterministicTar(
                  new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
        for (TarArchiveEntry e; (e = target.getNextEntry()) != null; ) {
          String path = normal(e.getName());
          if (path.isEmpty()) {
            continue;
          }
          entries++;
          Item now = item(e, path, toManifest.files);
          unlisted = now.type() == 'f' && now.sha256() == null ? path : unlisted;
          if (now.equals(base.remove(path)) && !underAny(path, fresh)) {
            unchanged.add(path);
            continue;
          }
          changed++;
          long mtime = e.getModTime().getTime();
          if (e.isSymbolicLink()) {
            delta.symlink(path, e.getLinkName(), e.getMode(), mtime);
          } else if (e.isDirectory()) {
            delta.directory(path, e.getMode(), mtime);
          } else {
            delta.file(path, e.getMode(), e.getSize(), mtime, target);
          }
        }
        drain(raw);
        byte[] list =
            String.join("", unchanged.stream().map(p -> p + "\n").toList())
                .getBytes(StandardCharsets.UTF_8);
        delta.file(DIR + "/unchanged.txt", 0644, list.length, 0, new ByteArrayInputStream(list));
        delta.file(
            DIR + "/manifest.sha256",
            0644,
            toManifest.bytes.length,
            0,
            new ByteArrayInputStream(toManifest.bytes));
      }
      expect(toKey, raw, toBuild, toBuild.sha256());
      listed(toKey, unlisted);
      StoredObject stored;
      try (InputStream in = Files.newInputStream(file)) {
        stored = store.put(DeltaRecords.deltaKey(app, fromBuild.version(), toBuild.version()), in);
      }
      return new DeltaRecord(
          app,
          fromBuild.version(),
          toBuild.version(),
          stored.sha256(),
          stored.size(),
          changed,
          unchanged.size(),
          base.size(),
          entries,
          fromBuild.sha256(),
          toBuild.sha256(),
          toBuild.manifestSha256(),
          fresh);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** A build's manifest as stored (its bytes, checked against the record) and path → sha256. */
  private record BuildManifest(byte[] bytes, Map<String, String> files) {}

  private BuildManifest manifest(BuildRecord build) {
    String key = BuildRecords.manifestKey(build.app(), build.version());
    byte[] bytes = store.readAllBytes(key);
    String sha = Hashing.sha256Hex(bytes);
    if (!sha.equals(build.manifestSha256())) {
      throw integrity(key, sha, build, build.manifestSha256());
    }
    Map<String, String> files = new HashMap<>();
    for (Manifest.Entry e : Manifest.parse(bytes).entries()) {
      files.put(e.path(), e.sha256());
    }
    return new BuildManifest(bytes, files);
  }

  /** Refuses what was read from {@code key} unless it is the object the build record names. */
  private static void expect(
      String key, Hashing.CountingDigestStream read, BuildRecord build, String sha256) {
    String got = read.sha256Hex();
    if (!got.equals(sha256)) {
      throw integrity(key, got, build, sha256);
    }
  }

  private static IntegrityException integrity(
      String key, String got, BuildRecord build, String sha256) {
    return new IntegrityException(
        key
            + " in the store has sha256 "
            + got
            + " but the build record of "
            + build.app()
            + " "
            + build.version()
            + " says "
            + sha256
            + ": the stored copy was changed or damaged, so no delta was made (hosts get the"
            + " full artifact, which they check against the record too); restore "
            + key
            + " from a backup, or delete the build and build its tag again");
  }

  private static TarArchiveInputStream tar(InputStream raw) throws IOException {
    return new TarArchiveInputStream(
        new GzipCompressorInputStream(new BufferedInputStream(raw, 1 << 20)));
  }

  /**
   * Reads what follows the tar's end (padding, the gzip trailer, anything after) to hash it too.
   */
  private static void drain(InputStream raw) throws IOException {
    // bytes the gzip layer has buffered were counted already; count the rest
    raw.transferTo(OutputStream.nullOutputStream());
  }

  private static String sha256(InputStream in) throws IOException {
    MessageDigest d = Hashing.sha256();
    byte[] buffer = new byte[64 * 1024];
    for (int n; (n = in.read(buffer)) > 0; ) {
      d.update(buffer, 0, n);
    }
    return Hashing.hex(d.digest());
  }

  /**
   * An entry as a delta compares it; a regular file's sha256 from its build's manifest (null when
   * the manifest does not list it: {@link #listed} then refuses the artifact).
   */
  private static Item item(TarArchiveEntry e, String path, Map<String, String> files) {
    char type = e.isSymbolicLink() ? 'l' : e.isDirectory() ? 'd' : e.isFile() ? 'f' : '?';
    return new Item(
        type,
        e.getMode() & 07777,
        e.isSymbolicLink() ? e.getLinkName() : null,
        type == 'f' ? e.getSize() : 0,
        type == 'f' ? files.get(path) : null);
  }

  /** Refuses an artifact (whose sha256 matched) holding a file its manifest does not list. */
  private static void listed(String key, String unlisted) {
    if (unlisted != null) {
      throw new IntegrityException(
          key
              + " holds the file "
              + unlisted
              + " that its manifest does not list: artifact and manifest are not from the same"
              + " build, so no delta was made; delete the build and build its tag again");
    }
  }

  private static void warn(String message) {
    LOG.log(System.Logger.Level.WARNING, message);
  }

  /** {@code ./public/x/} → {@code public/x}; the root entry → empty. */
  static String normal(String name) {
    String n = name.startsWith("./") ? name.substring(2) : name;
    n = n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    return n.equals(".") ? "" : n;
  }

  static boolean underAny(String path, List<String> prefixes) {
    for (String p : prefixes) {
      if (path.equals(p) || path.startsWith(p + "/")) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code dir}, made mode 700 when missing; refused unless it is a real directory of this
   * process's user that no one else can write: a delta is written there and read back by name for
   * the upload, so whoever could write the directory could swap it (a directory under {@code /tmp}
   * may have been made by anyone, a build run with setpriv included).
   */
  static Path ownDirectory(Path dir) throws IOException {
    Owned owned = Owned.directory(dir, "rwx------");
    if (!owned.onlyOurs() || !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(
          "the deltas' working directory "
              + dir
              + " is not a directory of this user that no one else can write (owner uid "
              + owned.owner()
              + ", mode "
              + owned.mode()
              + "); remove it, Tarmac makes it");
    }
    return dir;
  }
}
