package dev.tarmac.builder.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.builder.hooks.GitWebhooks.Provider;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GitWebhooksTest {
  private static final byte[] BODY = "{\"ref\":\"refs/tags/v1\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void hmacIsTheGithubDocumentedValue() {
    // the example from GitHub's "Validating webhook deliveries" documentation
    assertThat(
            GitWebhooks.hmac(
                "It's a Secret to Everybody", "Hello, World!".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  }

  @Test
  void providersAreToldApartGiteaFirst() {
    assertThat(GitWebhooks.provider(Map.of("X-Gitea-Event", "push", "X-GitHub-Event", "push")::get))
        .contains(Provider.GITEA);
    assertThat(GitWebhooks.provider(Map.of("X-Gitlab-Event", "Tag Push Hook")::get))
        .contains(Provider.GITLAB);
    assertThat(GitWebhooks.provider(Map.of("X-GitHub-Event", "push")::get))
        .contains(Provider.GITHUB);
    assertThat(GitWebhooks.provider(Map.<String, String>of()::get)).isEmpty();
  }

  @Test
  void signaturesAreCheckedPerProvider() {
    String hmac = GitWebhooks.hmac("s3cret", BODY);

    assertThat(
            GitWebhooks.verify(
                Provider.GITHUB,
                "s3cret",
                BODY,
                Map.of("X-Hub-Signature-256", "sha256=" + hmac)::get))
        .isTrue();
    assertThat(
            GitWebhooks.verify(
                Provider.GITHUB, "s3cret", BODY, Map.of("X-Hub-Signature-256", hmac)::get))
        .isFalse();
    assertThat(
            GitWebhooks.verify(
                Provider.GITEA, "s3cret", BODY, Map.of("X-Gitea-Signature", hmac)::get))
        .isTrue();
    assertThat(
            GitWebhooks.verify(
                Provider.GITEA, "other", BODY, Map.of("X-Gitea-Signature", hmac)::get))
        .isFalse();
    assertThat(
            GitWebhooks.verify(
                Provider.GITLAB, "s3cret", BODY, Map.of("X-Gitlab-Token", "s3cret")::get))
        .isTrue();
    assertThat(GitWebhooks.verify(Provider.GITLAB, "s3cret", BODY, Map.<String, String>of()::get))
        .isFalse();
  }

  @Test
  void onlyCreatedTagsAreBuilt() {
    byte[] tag =
        "{\"ref\":\"refs/tags/v2\",\"after\":\"abc\",\"repository\":{\"name\":\"shop\",\"clone_url\":\"https://git.example/t/shop.git\"}}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] branch = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);
    byte[] deleted = "{\"ref\":\"refs/tags/v2\",\"deleted\":true}".getBytes(StandardCharsets.UTF_8);
    byte[] gitlab =
        ("{\"ref\":\"refs/tags/v3\",\"after\":\"" + "0".repeat(40) + "\",\"project\":{}}")
            .getBytes(StandardCharsets.UTF_8);

    assertThat(GitWebhooks.tagPush(Provider.GITHUB, "push", tag))
        .contains(
            new GitWebhooks.TagPush(
                "v2", java.util.List.of("https://git.example/t/shop.git"), "shop"));
    assertThat(GitWebhooks.tagPush(Provider.GITHUB, "ping", tag)).isEmpty();
    assertThat(GitWebhooks.tagPush(Provider.GITHUB, "push", branch)).isEmpty();
    assertThat(GitWebhooks.tagPush(Provider.GITHUB, "push", deleted)).isEmpty();
    assertThat(GitWebhooks.tagPush(Provider.GITLAB, "Tag Push Hook", gitlab))
        .isEqualTo(Optional.empty());
  }

  @Test
  void repositoryUrlsMatchIgnoringDotGitAndSlash() {
    assertThat(
            GitWebhooks.sameRepo("https://git.example/t/shop.git", "https://git.example/t/shop/"))
        .isTrue();
    assertThat(GitWebhooks.sameRepo("file:///tmp/repo/", "file:/tmp/repo")).isTrue();
    assertThat(GitWebhooks.sameRepo("https://git.example/t/shop", "https://git.example/t/shop2"))
        .isFalse();
    // a private repository registered with the user its token goes with: the push names none
    assertThat(
            GitWebhooks.sameRepo(
                "https://deploy@git.example/t/shop.git", "https://git.example/t/shop"))
        .isTrue();
    assertThat(GitWebhooks.sameRepo("ssh://git@git.example/t/shop.git", "ssh://git.example/t/shop"))
        .isTrue();
  }
}
