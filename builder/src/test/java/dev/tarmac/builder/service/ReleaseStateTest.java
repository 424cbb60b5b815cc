package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.release.ReleaseRecord;
import dev.tarmac.deploy.release.ReleaseStatus;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleaseStateTest {
  /** A history, newest first, from lines "id kind version STATUS". */
  static List<ReleaseRecord> history(String... lines) {
    return Arrays.stream(lines)
        .map(l -> l.split(" "))
        .map(
            f ->
                ReleaseRecord.started(
                        Long.parseLong(f[0]),
                        "shop",
                        "prod",
                        f[1],
                        f[2],
                        "c",
                        null,
                        "ann",
                        Instant.EPOCH.plusSeconds(Long.parseLong(f[0])))
                    .withStatus(ReleaseStatus.valueOf(f[3])))
        .toList();
  }

  static List<String> states(List<ReleaseRecord> history) {
    return ReleaseState.views(history).stream().map(ReleaseView::state).toList();
  }

  @Test
  void onlyTheNewestLiveRecordIsLive() {
    // release v1, release v2, rollback to v1 (v2 rolled back), release v3 failed, v4 preparing
    List<ReleaseRecord> h =
        history(
            "5 release v4 PREPARING",
            "4 release v3 FAILED",
            "3 rollback v1 LIVE",
            "2 release v2 ROLLED_BACK",
            "1 release v1 LIVE");
    assertThat(states(h))
        .containsExactly("PREPARING", "FAILED", "LIVE", "ROLLED_BACK", "superseded");
    assertThat(ReleaseState.of(h.get(4), h)).isEqualTo(ReleaseState.SUPERSEDED);
    assertThat(ReleaseState.of(h.get(0), h).running()).isTrue();
    assertThat(ReleaseState.ROLLED_BACK.css()).isEqualTo("rolled-back");
  }

  @Test
  void aNewerReleaseSupersedesARollback() {
    assertThat(
            states(
                history(
                    "4 release v3 LIVE",
                    "3 rollback v1 LIVE",
                    "2 release v2 ROLLED_BACK",
                    "1 release v1 LIVE")))
        .containsExactly("LIVE", "superseded", "ROLLED_BACK", "superseded");
  }

  @Test
  void nothingIsLiveWhenEveryReleaseFailed() {
    assertThat(states(history("1 release v1 FAILED"))).containsExactly("FAILED");
  }
}
