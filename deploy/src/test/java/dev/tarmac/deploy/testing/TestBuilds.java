package dev.tarmac.deploy.testing;

import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.Manifest;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Publishes a directory as a build the way the builder does (artifact, manifest, build record
 * last), so the release engine can be tested without the Quarkus service: the tarball comes from
 * GNU tar, the manifest from hashing the files.
 */
public final class TestBuilds {
  private TestBuilds() {}

  public static BuildRecord publish(
      ArtifactStore store, String app, String version, Path tree, String config)
      throws IOException, InterruptedException {
    Path tar = Files.createTempFile("artifact-", ".tar.gz");
    try {
      Process p =
          new ProcessBuilder(
                  "tar",
                  "--sort=name",
                  "--owner=0",
                  "--group=0",
                  "--numeric-owner",
                  "-czf",
                  tar.toString(),
                  "-C",
                  tree.toString(),
                  ".")
              .inheritIO()
              .start();
      if (p.waitFor() != 0) {
        throw new IOException("tar failed for " + tree);
      }
      List<Manifest.Entry> entries = new ArrayList<>();
      try (Stream<Path> files = Files.walk(tree)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          entries.add(
              new Manifest.Entry(tree.relativize(f).toString().replace('\\', '/'), sha256(f)));
        }
      }
      Manifest manifest = new Manifest(entries);
      StoredObject artifact;
      try (InputStream in = Files.newInputStream(tar)) {
        artifact = store.put(StoreLayout.artifact(app, version), in);
      }
      StoredObject m = store.put(StoreLayout.manifest(app, version), manifest.bytes());
      Instant now = Instant.now();
      BuildRecord record =
          new BuildRecord(
              app,
              version,
              version,
              "c0ffee" + version.replaceAll("[^0-9]", ""),
              artifact.sha256(),
              artifact.size(),
              entries.size(),
              m.sha256(),
              config,
              now,
              now,
              now);
      store.put(StoreLayout.buildRecord(app, version), Json.write(record));
      return record;
    } finally {
      Files.deleteIfExists(tar);
    }
  }

  /** The sha256 of a file, streamed (apps under test may hold files of a gigabyte). */
  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Removes a directory and everything under it (big test trees are not left behind). */
  public static void deleteTree(Path dir) throws IOException, InterruptedException {
    new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A small web app tree whose page names its version. */
  public static Path sampleTree(Path dir, String version) throws IOException {
    Files.createDirectories(dir.resolve("public/uploads"));
    Files.writeString(dir.resolve("public/index.html"), "<h1>release " + version + "</h1>\n");
    Files.writeString(dir.resolve("public/uploads/.keep"), "");
    Files.createDirectories(dir.resolve("bin"));
    Path tool = dir.resolve("bin/tool");
    Files.writeString(tool, "#!/bin/sh\necho tool " + version + "\n");
    tool.toFile().setExecutable(true);
    return dir;
  }
}
