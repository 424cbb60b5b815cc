package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What an unknown app's 404 says (issue 26, item 6): the CLI command, and a close name. */
class AppRegistryWordsTest {
  @Test
  void aCloseNameIsSuggestedAndTheCliCommandGiven() {
    assertThat(AppRegistry.unknown("shpo", List.of("blog", "shop")))
        .isEqualTo(
            "no app named 'shpo'; did you mean shop? Or register it: tarmac apps add shpo GIT_URL");
  }

  @Test
  void withoutACloseNameOnlyHowToRegister() {
    assertThat(AppRegistry.unknown("inventory", List.of("blog", "shop")))
        .isEqualTo("no app named 'inventory'; register it: tarmac apps add inventory GIT_URL");
    assertThat(AppRegistry.unknown("shop", List.of()))
        .isEqualTo("no app named 'shop'; register it: tarmac apps add shop GIT_URL");
  }
}
