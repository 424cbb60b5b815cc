package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RollbackTest {
  static ReleaseRecord record(long id, String version, ReleaseStatus status) {
    return new ReleaseRecord(
        id,
        "shop",
        "production",
        ReleaseRecord.RELEASE,
        version,
        "c0ffee" + id,
        null,
        status,
        "tester",
        Instant.parse("2026-12-07T10:00:00Z").plusSeconds(id * 60),
        Instant.parse("2026-12-07T10:00:30Z").plusSeconds(id * 60),
        100L,
        null,
        null,
        List.of());
  }

  /**
   * Issue 26, item 6: {@code --to} a version never live is not found, and the answer lists what was
   * (not "build it first": a build of it would not make it a rollback target).
   */
  @Test
  void toAVersionThatWasNeverLiveListsTheOnesThatWere() {
    List<ReleaseRecord> past =
        List.of(
            record(4, "v2.1.0", ReleaseStatus.LIVE),
            record(3, "v2.0.1", ReleaseStatus.FAILED),
            record(2, "v2.0.0", ReleaseStatus.LIVE),
            record(1, "v1.0.0", ReleaseStatus.ROLLED_BACK));
    for (String never : List.of("v9.9.9", "v2.0.1")) {
      Rollback rollback =
          new Rollback(
              Optional.of(never),
              false,
              v -> {
                throw new AssertionError("no build is read for a version never live: " + v);
              });

      assertThatThrownBy(() -> rollback.resolve(past))
          .isInstanceOf(NeverLiveException.class)
          .hasMessage(
              never
                  + " was never live in shop/production; a rollback goes back to a version that"
                  + " was: v2.1.0, v2.0.0, v1.0.0 (newest first; tarmac history shop --env"
                  + " production). To put "
                  + never
                  + " live, release it: tarmac release shop "
                  + never
                  + " --env production");
    }
  }
}
