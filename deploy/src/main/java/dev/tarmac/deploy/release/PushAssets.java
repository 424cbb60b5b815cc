package dev.tarmac.deploy.release;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tarmac.deploy.DeployException;
import dev.tarmac.deploy.config.TarmacConfig.Fingerprint;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.CdnAssets;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreConflictException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The CDN push of a release (docs/architecture.md, "The release"; docs/cdn-and-caches.md): every
 * file {@code <root>/tarmac-assets.json} names, taken from the release's artifact in the store, put
 * under {@code cdn/<app>/<hashed path>} with create-if-absent — a name already there is skipped (a
 * hashed name never changes content). One pass over the artifact: files with a hashed-looking name
 * that the store lacks are spooled to a temporary directory, the manifest decides which of them go
 * out, so a file the manifest does not name is never made public. The artifact is checked against
 * the build record's sha256 as it streams, before anything is put.
 */
final class PushAssets {
  /** What the push did: files and bytes sent, files and bytes that were there already. */
  record Pushed(int sent, long bytesSent, int skipped, long bytesSkipped) {
    String describe() {
      return String.format(
          Locale.ROOT,
          "%d files, %,d bytes sent; %d files, %,d bytes already there (skipped)",
          sent,
          bytesSent,
          skipped,
          bytesSkipped);
    }
  }

  /**
   * {@code apps/<app>/cdn-refs/<version>.json}: the hashed paths (relative to the fingerprint root,
   * so the keys are {@code cdn/<app>/<path>}) the version's {@code tarmac-assets.json} names.
   */
  record CdnRefs(String version, java.util.List<String> paths) {}

  private static final Pattern HASHED = Pattern.compile(".*\\.[0-9a-f]{12}(?:\\.[^./]+)?");

  private final ArtifactStore store;
  private final String app;
  private final BuildRecord build;
  private final Fingerprint fingerprint;

  PushAssets(ArtifactStore store, String app, BuildRecord build, Fingerprint fingerprint) {
    this.store = store;
    this.app = app;
    this.build = build;
    this.fingerprint = fingerprint;
  }

  Pushed run() {
    Map<String, Long> there = new HashMap<>();
    for (ObjectInfo o : store.list(CdnAssets.prefix(app))) {
      there.put(o.key(), o.size());
    }
    String root = fingerprint.root() + "/";
    String manifestPath = root + Fingerprint.MANIFEST;
    Path spool;
    try {
      spool = Files.createTempDirectory("tarmac-cdn-" + app + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a temporary directory", e);
    }
    try {
      JsonNode manifest = null;
      String artifact = BuildRecords.artifactKey(app, build.version());
      dev.tarmac.distributor.store.Hashing.CountingDigestStream digest;
      try (InputStream raw = store.get(artifact);
          TarArchiveInputStream tar =
              new TarArchiveInputStream(
                  new GzipCompressorInputStream(
                      digest =
                          new dev.tarmac.distributor.store.Hashing.CountingDigestStream(raw)))) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
          String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
          if (!e.isFile() || !name.startsWith(root)) {
            continue;
          }
          String rel = name.substring(root.length());
          if (name.equals(manifestPath)) {
            manifest = Json.MAPPER.readTree(tar.readAllBytes());
          } else if (HASHED.matcher(rel).matches()
              && storable(rel)
              && !there.containsKey(CdnAssets.key(app, rel))) {
            Path file = spool.resolve(rel).normalize();
            if (file.startsWith(spool)) {
              Files.createDirectories(file.getParent());
              Files.copy(tar, file);
            }
          }
        }
        digest.transferTo(java.io.OutputStream.nullOutputStream());
      } catch (IOException e) {
        throw new DeployException("cannot read " + artifact + " from the store: " + e.getMessage());
      }
      String sha256 = digest.sha256Hex(); // once: the digest resets when read
      if (!sha256.equals(build.sha256())) {
        // the files go public: only from the artifact the build record vouches for
        throw new DeployException(
            artifact
                + " does not match its build record (sha256 "
                + sha256
                + ", recorded "
                + build.sha256()
                + "); nothing was pushed: build the tag again");
      }
      if (manifest == null || !manifest.path("paths").isObject()) {
        throw new DeployException(
            ""
                + manifestPath
                + " is not in the artifact of "
                + build.version()
                + " (or has no \"paths\"); release.cdn needs build.fingerprint with root: "
                + fingerprint.root());
      }
      TreeSet<String> hashed = new TreeSet<>();
      for (Iterator<JsonNode> it = manifest.path("paths").elements(); it.hasNext(); ) {
        hashed.add(it.next().asText());
      }
      for (String rel : hashed) {
        key(rel, root + rel); // every name checked before anything is written
      }
      // what this version references, recorded before its first file goes out: the clean-up of
      // cdn/ keeps what any kept or releasing version names (docs/cdn-and-caches.md)
      new CdnRecords(store, app)
          .putRefs(new CdnRefs(build.version(), java.util.List.copyOf(hashed)));
      int sent = 0;
      int skipped = 0;
      long bytesSent = 0;
      long bytesSkipped = 0;
      for (String rel : hashed) {
        String key = key(rel, root + rel);
        Long size = there.get(key);
        if (size != null) {
          skipped++;
          bytesSkipped += size;
          continue;
        }
        Path file = spool.resolve(rel).normalize();
        if (!file.startsWith(spool) || !Files.isRegularFile(file)) {
          throw new DeployException(
              ""
                  + manifestPath
                  + " names "
                  + rel
                  + ", which is not a file of the artifact of "
                  + build.version()
                  + "; build the tag again");
        }
        try (InputStream in = Files.newInputStream(file)) {
          bytesSent += store.putIfAbsent(key, in, CdnAssets.headers(rel)).size();
          sent++;
        } catch (StoreConflictException e) {
          skipped++; // another release put the same name meanwhile: same content
          bytesSkipped += size(file);
        } catch (IOException | RuntimeException e) {
          throw new DeployException(
              "cannot put " + root + rel + " to " + key + ": " + e.getMessage());
        }
      }
      return new Pushed(sent, bytesSent, skipped, bytesSkipped);
    } finally {
      deleteQuietly(spool);
    }
  }

  /** The store key of a hashed path, or an error naming the file when it cannot be one. */
  private String key(String rel, String path) {
    try {
      return CdnAssets.key(app, dev.tarmac.distributor.store.StoreKeys.check(rel));
    } catch (IllegalArgumentException e) {
      throw new DeployException(
          ""
              + path
              + " cannot be stored under cdn/"
              + app
              + "/: "
              + e.getMessage()
              + "; rename the file");
    }
  }

  private static boolean storable(String rel) {
    try {
      dev.tarmac.distributor.store.StoreKeys.check(rel);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
