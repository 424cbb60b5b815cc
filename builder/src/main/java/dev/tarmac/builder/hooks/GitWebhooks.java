package dev.tarmac.builder.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Push events from GitHub, GitLab and Gitea: which provider sent it, whether its signature is
 * right, and which tag it created. Pure functions; the resource does the I/O.
 */
public final class GitWebhooks {
  private static final ObjectMapper JSON = new ObjectMapper();

  public enum Provider {
    GITHUB,
    GITLAB,
    GITEA
  }

  /** A tag pushed to a repository known by any of {@code urls} or by {@code name}. */
  public record TagPush(String tag, List<String> urls, String name) {}

  /** A push of a branch: its name (no {@code refs/heads/}) and the repository's URLs. */
  public record BranchPush(String branch, List<String> urls) {}

  private GitWebhooks() {}

  /** The provider by its event header; Gitea also sends GitHub's, so it is asked first. */
  public static Optional<Provider> provider(Function<String, String> header) {
    if (header.apply("X-Gitea-Event") != null) {
      return Optional.of(Provider.GITEA);
    }
    if (header.apply("X-Gitlab-Event") != null) {
      return Optional.of(Provider.GITLAB);
    }
    if (header.apply("X-GitHub-Event") != null) {
      return Optional.of(Provider.GITHUB);
    }
    return Optional.empty();
  }

  /**
   * Whether the request is signed with {@code secret}: GitHub {@code X-Hub-Signature-256:
   * sha256=<hmac>}, Gitea {@code X-Gitea-Signature: <hmac>} (HMAC-SHA256 of the body), GitLab
   * {@code X-Gitlab-Token: <secret>}. Compared in constant time.
   */
  public static boolean verify(
      Provider provider, String secret, byte[] body, Function<String, String> header) {
    return switch (provider) {
      case GITHUB -> equal("sha256=" + hmac(secret, body), header.apply("X-Hub-Signature-256"));
      case GITEA -> equal(hmac(secret, body), header.apply("X-Gitea-Signature"));
      case GITLAB -> equal(secret, header.apply("X-Gitlab-Token"));
    };
  }

  /**
   * The header that names the delivery, and its value (null when absent): GitHub {@code
   * X-GitHub-Delivery}, Gitea {@code X-Gitea-Delivery}, GitLab {@code Idempotency-Key} (kept across
   * its retries, GitLab 17.4+) or else {@code X-Gitlab-Event-UUID}.
   */
  public static Map.Entry<String, String> delivery(
      Provider provider, Function<String, String> header) {
    String name =
        switch (provider) {
          case GITHUB -> "X-GitHub-Delivery";
          case GITEA -> "X-Gitea-Delivery";
          case GITLAB ->
              header.apply("Idempotency-Key") != null ? "Idempotency-Key" : "X-Gitlab-Event-UUID";
        };
    return new java.util.AbstractMap.SimpleImmutableEntry<>(name, header.apply(name));
  }

  /** The tag a push event created, or empty for branch pushes, deletions and other events. */
  public static Optional<TagPush> tagPush(Provider provider, String event, byte[] body) {
    return push(provider, event, body, "refs/tags/");
  }

  /** A branch push (not a deletion), or empty for anything else. */
  public static Optional<BranchPush> branchPush(Provider provider, String event, byte[] body) {
    return push(provider, event, body, "refs/heads/").map(p -> new BranchPush(p.tag(), p.urls()));
  }

  private static Optional<TagPush> push(
      Provider provider, String event, byte[] body, String prefix) {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("the webhook body is not JSON: " + e.getMessage());
    }
    boolean pushEvent =
        switch (provider) {
          case GITHUB, GITEA -> "push".equals(event);
          case GITLAB -> "Tag Push Hook".equals(event) || "Push Hook".equals(event);
        };
    String ref = json.path("ref").asText("");
    String after = json.path("after").asText("");
    if (!pushEvent
        || !ref.startsWith(prefix)
        || json.path("deleted").asBoolean(false)
        || after.matches("0{40}")) {
      return Optional.empty();
    }
    List<String> urls = new ArrayList<>();
    String name;
    if (provider == Provider.GITLAB) {
      JsonNode project = json.path("project");
      for (String f : List.of("git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url")) {
        add(urls, project.path(f));
        add(urls, json.path("repository").path(f));
      }
      name = project.path("name").asText(json.path("repository").path("name").asText(""));
    } else {
      JsonNode repo = json.path("repository");
      for (String f : List.of("clone_url", "ssh_url", "git_url", "html_url", "url")) {
        add(urls, repo.path(f));
      }
      name = repo.path("name").asText("");
    }
    return Optional.of(new TagPush(ref.substring(prefix.length()), urls, name));
  }

  /** Whether two repository URLs name the same repository (ignoring a trailing .git or slash). */
  public static boolean sameRepo(String a, String b) {
    return normalize(a).equals(normalize(b));
  }

  private static String normalize(String url) {
    String u = url.trim().replaceAll("/+$", "");
    u = u.endsWith(".git") ? u.substring(0, u.length() - 4).replaceAll("/+$", "") : u;
    // the user an app's credential goes with (https://deploy@host/…) is not part of the repository
    u = u.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", "$1");
    return u.replaceFirst("^file:///", "file:/").toLowerCase(java.util.Locale.ROOT);
  }

  private static void add(List<String> urls, JsonNode node) {
    if (node.isTextual() && !node.asText().isBlank()) {
      urls.add(node.asText());
    }
  }

  public static String hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean equal(String expected, String actual) {
    return actual != null
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.UTF_8),
            actual.trim().getBytes(StandardCharsets.UTF_8));
  }
}
