package dev.tarmac.distributor.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link AppName}, {@link EnvName} and {@link Version} are valid by construction, refused with the
 * words of {@link Names} (the API answers them as they are).
 */
class NameTypesTest {
  @Test
  void aNameThatCanBeOneIsKeptAsItIs() {
    assertThat(AppName.of("shop").value()).isEqualTo("shop");
    assertThat(EnvName.of("prod-eu").toString()).isEqualTo("prod-eu");
    assertThat(Version.of("main-1a2b3c4")).isEqualTo(new Version("main-1a2b3c4"));
  }

  @Test
  void oneThatCannotBeIsRefusedWithTheWordsOfNames() {
    for (String bad : List.of("Shop", "-x", "a/b", "")) {
      assertThatThrownBy(() -> AppName.of(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(message(() -> Names.app(bad)));
    }
    assertThatThrownBy(() -> EnvName.of("Prod!"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'Prod!' is not a valid environment name: use 1 to 63 of a-z 0-9 _ -");
    for (String bad : List.of("..", "v1;rm", "a".repeat(129))) {
      assertThatThrownBy(() -> new Version(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(message(() -> Names.version(bad)));
    }
    assertThatThrownBy(() -> new Version(null)).hasMessageContaining("is not a valid version");
  }

  private static String message(Runnable check) {
    try {
      check.run();
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted");
  }
}
