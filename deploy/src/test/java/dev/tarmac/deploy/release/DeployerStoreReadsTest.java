package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.remote.LocalTransport;
import dev.tarmac.deploy.store.BuildConfigs;
import dev.tarmac.deploy.store.Builds;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.BuildRecord;
import dev.tarmac.distributor.model.Version;
import dev.tarmac.distributor.records.BuildRecords;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ByteRange;
import dev.tarmac.distributor.store.StoredObject;
import dev.tarmac.distributor.testing.ForwardingStore;
import dev.tarmac.distributor.testing.FsStores;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the release engine reads from the store before it takes the lock (docs/architecture.md, "The
 * store's domain layer"): the build record once, its tarmac.yml parsed once, and nothing read again
 * once the run has it. A store that notes every read and every create-if-absent, over a real fs
 * store.
 */
class DeployerStoreReadsTest {
  @TempDir Path tmp;

  static final class NotingStore extends ForwardingStore {
    final List<String> calls = new CopyOnWriteArrayList<>();

    NotingStore(ArtifactStore store) {
      super(store);
    }

    @Override
    public InputStream get(String key, ByteRange range) {
      calls.add("get " + key);
      return super.get(key, range);
    }

    @Override
    public StoredObject putIfAbsent(String key, InputStream content) {
      calls.add("create " + key);
      return super.putIfAbsent(key, content);
    }

    long count(List<String> calls, String call) {
      return calls.stream().filter(call::equals).count();
    }
  }

  @Test
  void aReleaseReadsItsBuildRecordOnceAndParsesItsConfigOnce() throws Exception {
    NotingStore store = new NotingStore(FsStores.in(tmp.resolve("store")));
    Path host = Files.createDirectories(tmp.resolve("a"));
    // a text no other test parses: the shared cache has never seen it
    String yml =
        "# "
            + UUID.randomUUID()
            + "\napp: shop\nenvironments:\n  prod:\n    hosts:\n"
            + "      - { name: a, address: local, deploy_to: "
            + host
            + " }\n";
    Instant t = Instant.parse("2026-01-02T03:04:05Z");
    new BuildRecords(store)
        .publish(new BuildRecord("shop", "v1", "v1", "c0ffee", "ab", 1, 1, "cd", yml, t, t, t));
    store.calls.clear();
    long parsesBefore = BuildConfigs.shared().parses();

    Deployer deployer = new Deployer(store, (h, env) -> new LocalTransport(h.name()));
    Builds.Built built = deployer.resolve(AppName.of("shop"), Version.of("v1"));
    try (ReleaseRun run =
        deployer.startRelease(
            built, built.config().environment("prod"), ReleaseOptions.defaults("tester"))) {
      assertThat(run.record().version()).isEqualTo("v1");
    }

    String lock = "create apps/shop/envs/prod/lock.json";
    assertThat(store.calls).contains(lock);
    List<String> before = store.calls.subList(0, store.calls.indexOf(lock));
    List<String> after = store.calls.subList(store.calls.indexOf(lock), store.calls.size());
    String record = "get apps/shop/builds/v1/build.json";
    assertThat(store.count(before, record)).as("build.json read before the lock").isEqualTo(1);
    assertThat(store.count(after, record)).as("build.json read after the lock").isZero();
    assertThat(BuildConfigs.shared().parses() - parsesBefore).isEqualTo(1);
  }
}
