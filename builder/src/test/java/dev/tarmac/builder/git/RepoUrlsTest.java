package dev.tarmac.builder.git;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RepoUrlsTest {
  @Test
  void passwordsInUrlsAreReplaced() {
    assertThat(RepoUrls.redact("https://user:secret@git.example.com/team/shop.git"))
        .isEqualTo("https://user:***@git.example.com/team/shop.git");
    assertThat(
            RepoUrls.redact(
                "cannot fetch https://x-access-token:ghp_abc@host:8443/a.git: refused (and"
                    + " http://u:p@h/b too)"))
        .isEqualTo(
            "cannot fetch https://x-access-token:***@host:8443/a.git: refused (and"
                + " http://u:***@h/b too)");
    assertThat(RepoUrls.redact("https://:tok@host/x")).isEqualTo("https://:***@host/x");
  }

  @Test
  void urlsWithoutAPasswordAndOtherTextAreUnchanged() {
    for (String s :
        new String[] {
          "https://git.example.com/team/shop.git",
          "ssh://git@host/repo.git",
          "file:///srv/git/shop.git",
          "mail ann@example.com at 10:30",
          "https://host:8443/path@v1"
        }) {
      assertThat(RepoUrls.redact(s)).isEqualTo(s);
    }
  }
}
