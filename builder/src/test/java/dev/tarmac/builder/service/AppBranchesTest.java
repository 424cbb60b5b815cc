package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which pushed branches an app builds ({@code apps add --branches}); none by default. */
class AppBranchesTest {
  static App app(String... globs) {
    return new App("shop", "file:/x", false, null, List.of(globs));
  }

  @Test
  void globsMatchWithinAndAcrossSlashes() {
    assertThat(app().buildsBranch("main")).isFalse();
    assertThat(app("main").buildsBranch("main")).isTrue();
    assertThat(app("main").buildsBranch("feature/main")).isFalse();
    assertThat(app("release/*").buildsBranch("release/2")).isTrue();
    assertThat(app("release/*").buildsBranch("release/2/fix")).isFalse();
    assertThat(app("feature/**").buildsBranch("feature/a/b")).isTrue();
    assertThat(app("v1.*").buildsBranch("v1x2")).isFalse();
  }

  @Test
  void anAppWithoutBranchesReadFromAnOldRecordBuildsNone() {
    assertThat(new App("shop", "file:/x", false, null, null).branches()).isEmpty();
    assertThat(App.checkBranchGlob("release/*")).isNull();
    assertThat(App.checkBranchGlob("../x")).startsWith("'../x' is not a branch glob");
  }
}
