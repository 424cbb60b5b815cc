package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ByteRange;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.testing.ForwardingStore;
import dev.tarmac.distributor.testing.FsStores;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A page of an environment's history (issue 25: the history endpoint read and sent every record
 * whole, task details and all): the newest {@code limit} below {@code before}, the live record
 * found wherever it is, and only the records a page needs read from the store.
 */
class ReleaseHistoryPageTest {
  @TempDir Path tmp;
  final AtomicInteger reads = new AtomicInteger();
  ArtifactStore store;
  ReleaseHistory history;

  @BeforeEach
  void setUp() {
    store =
        new ForwardingStore(FsStores.in(tmp.resolve("store"))) {
          @Override
          public InputStream get(String key, ByteRange range) {
            reads.incrementAndGet();
            return super.get(key, range);
          }
        };
    history = new ReleaseHistory(store, "shop", "prod");
    // 1 LIVE, 2..30 FAILED: the live record is far below the first pages
    for (int i = 1; i <= 30; i++) {
      ReleaseStatus status = i == 1 ? ReleaseStatus.LIVE : ReleaseStatus.FAILED;
      ReleaseRecord r =
          history.create(
              n ->
                  ReleaseRecord.started(
                      n, "shop", "prod", "release", "v" + n, "c", "", "ann", Instant.EPOCH));
      history.update(r.withStatus(status));
    }
  }

  static List<Long> ids(ReleaseHistory.Page p) {
    return p.records().stream().map(ReleaseRecord::id).toList();
  }

  @Test
  void aPageIsTheNewestBelowBeforeAndKnowsTheLiveRecord() {
    ReleaseHistory.Page first = history.page(null, 3);
    assertThat(ids(first)).containsExactly(30L, 29L, 28L);
    assertThat(first.live().orElseThrow().id()).isEqualTo(1L);

    assertThat(ids(history.page(28L, 2))).containsExactly(27L, 26L);
    assertThat(ids(history.page(3L, 5))).containsExactly(2L, 1L);
    assertThat(ids(history.page(1L, 5))).isEmpty();
  }

  @Test
  void aPageReadsOnlyItsRecordsWhenTheLiveOneIsAmongThem() {
    history.update(history.get(29).orElseThrow().withStatus(ReleaseStatus.LIVE));
    reads.set(0);
    ReleaseHistory.Page page = history.page(null, 3);
    assertThat(page.live().orElseThrow().id()).isEqualTo(29L);
    assertThat(reads.get()).isEqualTo(3);
    assertThat(store.list(ReleaseHistory.prefix("shop", "prod")).stream().map(ObjectInfo::key))
        .hasSize(30);
  }
}
