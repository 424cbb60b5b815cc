package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.release.ReleaseRecord.HostRecord;
import dev.tarmac.deploy.release.ReleaseRecord.TaskRecord;
import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.CdnAssets;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoredObject;
import dev.tarmac.distributor.store.s3.S3ArtifactStore;
import dev.tarmac.distributor.testing.ForwardingStore;
import dev.tarmac.distributor.testing.S3ProxyServer;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The CDN push of a release (docs/cdn-and-caches.md) on the embedded store and on S3 (S3Proxy):
 * every fingerprinted file under {@code cdn/<app>/} before the switch, a one-file change sends one
 * file, v1's files stay, and a failed push switches nothing and names the file.
 */
class CdnPushIT {
  private static final String CSS = "css/app.0123456789ab.css";
  private static final String LOGO = "img/logo.aaaaaaaaaaaa.png";

  /** Counts the create-if-absent writes under cdn/ that reach the real store (one PUT each). */
  static final class CountingStore extends ForwardingStore {
    final AtomicInteger cdnPuts = new AtomicInteger();

    CountingStore(ArtifactStore real) {
      super(real);
    }

    @Override
    public StoredObject putIfAbsent(String key, InputStream content, Map<String, String> headers) {
      if (key.startsWith("cdn/")) {
        cdnPuts.incrementAndGet();
      }
      return store.putIfAbsent(key, content, headers);
    }
  }

  static String config(String app, Path hosts) {
    return "app: "
        + app
        + "\n"
        + "build:\n"
        + "  fingerprint: { root: public }\n"
        + "release:\n"
        + "  cdn: { url: https://cdn.example.com/"
        + app
        + " }\n"
        + "environments:\n"
        + "  prod:\n"
        + "    hosts:\n"
        + "      - { name: a, address: local, deploy_to: "
        + hosts.resolve("a")
        + " }\n"
        + "      - { name: b, address: local, deploy_to: "
        + hosts.resolve("b")
        + " }\n";
  }

  /** A fingerprinted tree: a stylesheet, a logo, a script whose name and content are given. */
  static void publish(ArtifactStore store, Path work, String app, String version, String js)
      throws Exception {
    Path tree = TestBuilds.sampleTree(work.resolve("tree-" + version), version);
    String jsName = "js/app." + TestBuilds.sha256(js.getBytes()).substring(0, 12) + ".js";
    write(tree, "public/" + CSS, ".logo{background:url(../" + LOGO.substring(4) + ")}\n");
    write(tree, "public/" + LOGO, "png bytes");
    write(tree, "public/" + jsName, js);
    write(tree, "public/js/app.js", js);
    write(tree, "public/js/not-in-manifest.0123456789ab.js", "secret");
    write(
        tree,
        "public/tarmac-assets.json",
        "{\"cdn\":\"https://cdn.example.com/"
            + app
            + "\",\"paths\":{\"css/app.css\":\""
            + CSS
            + "\",\"img/logo.png\":\""
            + LOGO
            + "\",\"js/app.js\":\""
            + jsName
            + "\"},\"version\":1}\n");
    String config = config(app, work.resolve("hosts"));
    Files.writeString(tree.resolve("tarmac.yml"), config);
    TestBuilds.publish(store, app, version, tree, config);
  }

  private static void write(Path tree, String path, String text) throws Exception {
    Files.createDirectories(tree.resolve(path).getParent());
    Files.writeString(tree.resolve(path), text);
  }

  private static TaskRecord pushTask(ReleaseRecord r) {
    HostRecord service =
        r.hosts().stream().filter(h -> h.name().equals("(service)")).findFirst().orElseThrow();
    return service.tasks().stream()
        .filter(t -> t.name().equals("push assets"))
        .findFirst()
        .orElseThrow();
  }

  /** v1 pushes three files, v2 (one script changed) one; v1's files stay. */
  private void oneFileChangeSendsOneFile(CountingStore store, Path work, String app)
      throws Exception {
    Deployer deployer = new Deployer(store, (h, e) -> new LocalTransport(h.name()));
    publish(store, work, app, "v1", "window.v=1;\n");
    publish(store, work, app, "v2", "window.v=2;\n");
    ReleaseOptions options = ReleaseOptions.defaults("tester");

    ReleaseRecord v1 =
        deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v1"), options);
    assertThat(store.cdnPuts).hasValue(3);
    assertThat(pushTask(v1).ok()).isTrue();
    assertThat(pushTask(v1).detail()).startsWith("3 files, ").contains("0 files, 0 bytes");
    List<String> v1Keys = store.list(CdnAssets.prefix(app)).stream().map(ObjectInfo::key).toList();
    assertThat(v1Keys)
        .hasSize(3)
        .contains(CdnAssets.key(app, CSS), CdnAssets.key(app, LOGO))
        .noneMatch(k -> k.contains("not-in-manifest"));

    store.cdnPuts.set(0);
    ReleaseRecord v2 =
        deployer.release(AppName.of(app), EnvName.of("prod"), Version.of("v2"), options);
    assertThat(store.cdnPuts).hasValue(1);
    assertThat(pushTask(v2).detail()).startsWith("1 files, 12 bytes sent; 2 files, ");
    assertThat(store.list(CdnAssets.prefix(app))).hasSize(4);
    for (String k : v1Keys) {
      assertThat(store.exists(k)).as(k).isTrue(); // v1's pages still find their assets
    }
    assertThat(work.resolve("hosts/b/current/public/index.html")).content().contains("v2");
  }

  @Test
  void embeddedStore() throws Exception {
    Path work = DeployFixture.workDir("cdn-fs-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      oneFileChangeSendsOneFile(new CountingStore(fx.store), work, "cdnfs");
    }
  }

  @Test
  void s3StoreKeepsContentTypeAndImmutableCacheControl() throws Exception {
    Path work = DeployFixture.workDir("cdn-s3-");
    try (S3ProxyServer s3 = new S3ProxyServer(Files.createDirectories(work.resolve("s3")))) {
      CountingStore store =
          new CountingStore(new S3ArtifactStore(s3.settings("tarmac")).ensureBucket());
      oneFileChangeSendsOneFile(store, work, "cdns3");

      HttpResponse<String> css =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          store.signedGetUrl(CdnAssets.key("cdns3", CSS), Duration.ofMinutes(1)))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(css.statusCode()).isEqualTo(200);
      assertThat(css.body()).contains("logo.aaaaaaaaaaaa.png");
      assertThat(css.headers().firstValue("Content-Type")).contains("text/css; charset=utf-8");
      assertThat(css.headers().firstValue("Cache-Control"))
          .contains("public, max-age=31536000, immutable");
    }
  }

  @Test
  void aFailedPushSwitchesNothingAndNamesTheFile() throws Exception {
    Path work = DeployFixture.workDir("cdn-fail-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      publish(fx.store, work, "cdnfail", "v1", "window.v=1;\n");
      fx.deployer.release(
          AppName.of("cdnfail"), EnvName.of("prod"), Version.of("v1"), fx.options());
      publish(fx.store, work, "cdnfail", "v2", "window.v=2;\n");
      // a plain file where the store needs the directory cdn/cdnfail/js: a real write failure
      Path js = work.resolve("store/objects/cdn/cdnfail/js");
      TestBuilds.deleteTree(js);
      Files.writeString(js, "in the way");

      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of("cdnfail"), EnvName.of("prod"), Version.of("v2"), fx.options()))
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageContaining("(service): push assets failed: cannot put public/js/app.")
          .hasMessageContaining("to cdn/cdnfail/js/app.")
          .hasMessageContaining("nothing was activated (v1 still serves)");

      for (String host : List.of("a", "b")) {
        Path hostDir = work.resolve("hosts").resolve(host);
        assertThat(Files.readSymbolicLink(hostDir.resolve("current")).toString())
            .isEqualTo("releases/v1");
        assertThat(hostDir.resolve("releases/v2")).doesNotExist();
      }
    }
  }

  @Test
  void anArtifactThatDoesNotMatchItsRecordPushesNothing() throws Exception {
    Path work = DeployFixture.workDir("cdn-tamper-");
    try (DeployFixture fx = new DeployFixture(work, (h, e) -> new LocalTransport(h.name()))) {
      publish(fx.store, work, "cdntamper", "v1", "window.v=1;\n");
      publish(fx.store, work, "cdntamper", "v2", "window.v=2;\n");
      // v1's artifact replaced by another valid one: the record no longer vouches for it
      fx.store.put(
          "apps/cdntamper/builds/v1/artifact.tar.gz",
          fx.store.readAllBytes("apps/cdntamper/builds/v2/artifact.tar.gz"));

      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of("cdntamper"),
                      EnvName.of("prod"),
                      Version.of("v1"),
                      fx.options().withCommandTimeout(Duration.ofSeconds(5))))
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageContaining(
              "apps/cdntamper/builds/v1/artifact.tar.gz does not match its build record")
          .hasMessageContaining("nothing was pushed")
          .hasMessageContaining(
              "(sha256 "
                  + TestBuilds.sha256(
                      fx.store.readAllBytes("apps/cdntamper/builds/v2/artifact.tar.gz")));
      assertThat(fx.store.list(CdnAssets.prefix("cdntamper"))).isEmpty();
    }
  }
}
