package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Walk 3: a failed activation after a migration points at {@code rollback --restore-database} only
 * when that rollback would run; otherwise it says why not (it used to point at it from the first
 * release, with no dump, which the rollback then refused).
 */
class ReleaseNoRestoreTest {
  private static final TarmacConfig RESTORES =
      ConfigReader.read(
          "app: shop\nrelease:\n  hooks:\n    restore: [bin/restore]\n", "tarmac.yml");
  private static final TarmacConfig NO_RESTORE = ConfigReader.read("app: shop\n", "tarmac.yml");
  private static final ReleaseRecord.Backup DUMP =
      new ReleaseRecord.Backup("backups/shop/production/2.sql", "ab", 10);

  private static ReleaseRecord record(long id, String version, ReleaseRecord.Backup backup) {
    ReleaseRecord r = RollbackTest.record(id, version, ReleaseStatus.LIVE);
    return r.progressed(ReleaseStatus.LIVE, r.finishedAt(), 100L, backup, null, List.of());
  }

  @Test
  void theFirstReleaseHasNothingBeforeItToGoBackTo() {
    ReleaseRecord live = record(1, "v1", DUMP);
    assertThat(Release.noRestore(live, List.of(live), RESTORES))
        .isEqualTo("there is no earlier release to go back to");
  }

  @Test
  void aLiveReleaseWithoutADumpCannotBeRestoredFrom() {
    ReleaseRecord live = record(2, "v2", null);
    assertThat(Release.noRestore(live, List.of(live, record(1, "v1", null)), RESTORES))
        .isEqualTo("no dump was taken before v2 was released");
  }

  @Test
  void aLiveReleaseWithoutARestoreHookCannotBeRestoredFrom() {
    ReleaseRecord live = record(2, "v2", DUMP);
    assertThat(Release.noRestore(live, List.of(live, record(1, "v1", null)), NO_RESTORE))
        .isEqualTo("the tarmac.yml of v2 has no release.hooks.restore");
  }

  @Test
  void aDumpARestoreHookAndAnEarlierReleaseMakeTheRollbackPossible() {
    ReleaseRecord live = record(2, "v2", DUMP);
    assertThat(Release.noRestore(live, List.of(live, record(1, "v1", null)), RESTORES)).isNull();
  }
}
