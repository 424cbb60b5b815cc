package dev.tarmac.distributor.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Versions of builds from a branch or a commit (docs/architecture.md, "Builds from any ref"). */
class RefVersionsTest {
  static final String COMMIT = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

  @Test
  void aBranchsVersionIsItsNameWithDashesAndTheShortCommit() {
    assertThat(Names.refVersion("main", COMMIT)).isEqualTo("main-1a2b3c4");
    assertThat(Names.refVersion("feature/login", COMMIT)).isEqualTo("feature-login-1a2b3c4");
    assertThat(Names.refVersion(null, COMMIT)).isEqualTo("commit-1a2b3c4");
    assertThat(Names.isVersion(Names.refVersion("a".repeat(100), COMMIT))).isTrue();
  }

  @Test
  void branchesTarmacDoesNotBuildAreRefused() {
    for (String bad : new String[] {"-x", "/x", "a..b", "a//b", "a/", "x.lock", "a b", "ä", ""}) {
      assertThat(Names.isBranch(bad)).as(bad).isFalse();
    }
    assertThat(Names.isBranch("a".repeat(101))).isFalse();
    assertThatThrownBy(() -> Names.refVersion("a b", COMMIT))
        .hasMessage(
            "'a b' is not a branch Tarmac builds: use 1 to 100 of A-Z a-z 0-9 . _ - /, not"
                + " starting with - or /, without .. or //");
  }

  @Test
  void anOldRecordWithoutAKindIsATagsBuild() {
    BuildRecord old =
        new BuildRecord("shop", "v1", "v1", COMMIT, "s", 1, 1, "m", "", null, null, null);
    BuildRecord noKind =
        new BuildRecord(
            "shop", "v1", "v1", COMMIT, "s", 1, 1, "m", "", null, null, null, null, null);
    BuildRecord branch =
        new BuildRecord(
            "shop",
            "main-1a2b3c4",
            null,
            COMMIT,
            "s",
            1,
            1,
            "m",
            "",
            null,
            null,
            null,
            "branch",
            "main");

    assertThat(old.fromTag()).isTrue();
    assertThat(old.kind()).isEqualTo("tag");
    assertThat(noKind.fromTag()).isTrue();
    assertThat(branch.fromTag()).isFalse();
  }
}
