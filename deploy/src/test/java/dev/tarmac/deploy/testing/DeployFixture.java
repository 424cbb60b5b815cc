package dev.tarmac.deploy.testing;

import dev.tarmac.deploy.release.Deployer;
import dev.tarmac.deploy.release.ReleaseEvent;
import dev.tarmac.deploy.release.ReleaseOptions;
import dev.tarmac.deploy.release.Transports;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import dev.tarmac.distributor.testing.FsStoreHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What a release test needs around the engine: an embedded store served over HTTP on loopback
 * (hosts download from it with curl, as from the service), a way to publish versions of an app, and
 * a {@link Deployer} with the transports given.
 */
public final class DeployFixture implements AutoCloseable {
  public final Path dir;
  public final FsArtifactStore store;
  public final FsStoreHttpServer http;
  public final Deployer deployer;
  public final List<ReleaseEvent> events = new CopyOnWriteArrayList<>();
  private volatile Consumer<ReleaseEvent> onEvent = e -> {};

  public DeployFixture(Path dir, Transports transports) throws Exception {
    this(dir, transports, transports);
  }

  /** With {@code reads} for status and plan reads (e.g. {@link Transports#kept}). */
  public DeployFixture(Path dir, Transports transports, Transports reads) throws Exception {
    this(dir, transports, reads, null);
  }

  /** With the configuration key {@code box} (secrets rendered at release). */
  public DeployFixture(Path dir, Transports transports, dev.tarmac.deploy.store.SecretBox box)
      throws Exception {
    this(dir, transports, transports, box);
  }

  private DeployFixture(
      Path dir, Transports transports, Transports reads, dev.tarmac.deploy.store.SecretBox box)
      throws Exception {
    this.dir = Files.createDirectories(dir);
    this.http = new FsStoreHttpServer();
    this.store =
        new FsArtifactStore(
            dir.resolve("store"),
            http.baseUrl(),
            new UrlSigner("test-signing-key".getBytes(), Clock.systemUTC()));
    http.serve(store);
    this.deployer =
        box == null
            ? new Deployer(store, transports, reads)
            : new Deployer(
                store,
                transports,
                reads,
                Path.of(
                    System.getProperty("java.io.tmpdir"),
                    "tarmac-deltas-" + System.getProperty("user.name", "service")),
                box);
  }

  /**
   * A new directory under {@code target/} (not {@code /tmp}: simulated hosts bind-mount it, and it
   * stays for a look after a failure).
   */
  public static Path workDir(String prefix) throws java.io.IOException {
    return Files.createTempDirectory(
        Files.createDirectories(Path.of("target").toAbsolutePath()), prefix);
  }

  /** Publishes {@code version} of the sample app with {@code config} as its tarmac.yml. */
  public BuildRecord publish(String app, String version, String config) throws Exception {
    Path tree = TestBuilds.sampleTree(Files.createTempDirectory(dir, "tree-"), version);
    Files.writeString(tree.resolve("tarmac.yml"), config);
    return TestBuilds.publish(store, app, version, tree, config);
  }

  /** {@link #publish}, with {@code files} (relative path → text) added to the sample tree. */
  public BuildRecord publish(
      String app, String version, String config, java.util.Map<String, String> files)
      throws Exception {
    Path tree = TestBuilds.sampleTree(Files.createTempDirectory(dir, "tree-"), version);
    for (var f : files.entrySet()) {
      Files.createDirectories(tree.resolve(f.getKey()).getParent());
      Files.writeString(tree.resolve(f.getKey()), f.getValue());
    }
    Files.writeString(tree.resolve("tarmac.yml"), config);
    return TestBuilds.publish(store, app, version, tree, config);
  }

  public ReleaseOptions options() {
    return ReleaseOptions.defaults("tester")
        .withListener(
            e -> {
              events.add(e);
              onEvent.accept(e);
            });
  }

  public void onEvent(Consumer<ReleaseEvent> action) {
    this.onEvent = action;
  }

  @Override
  public void close() {
    http.close();
  }
}
