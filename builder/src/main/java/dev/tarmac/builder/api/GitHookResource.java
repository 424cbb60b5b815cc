package dev.tarmac.builder.api;

import dev.tarmac.builder.auth.Unauthenticated;
import dev.tarmac.builder.hooks.GitWebhooks;
import dev.tarmac.builder.hooks.GitWebhooks.Provider;
import dev.tarmac.builder.hooks.GitWebhooks.TagPush;
import dev.tarmac.builder.hooks.SeenDeliveries;
import dev.tarmac.builder.service.ApiProblem;
import dev.tarmac.builder.service.App;
import dev.tarmac.builder.service.AppRegistry;
import dev.tarmac.builder.service.BuildService;
import dev.tarmac.builder.service.BuildView;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /api/hooks/git}: a tag pushed to GitHub, GitLab or Gitea queues a build of every
 * registered app whose repository it is. The signature is checked before anything else; a bad or
 * missing one is 401 and nothing is queued. A delivery whose id was already handled (a replay) is
 * answered 200 {@code "duplicate": true} and queues nothing ({@link SeenDeliveries}).
 */
@Unauthenticated
@Path("/api/hooks/git")
public class GitHookResource {
  @Inject AppRegistry apps;
  @Inject BuildService builds;
  @Inject SeenDeliveries seen;

  @Inject dev.tarmac.builder.settings.TarmacSettings settings;

  @POST
  @Consumes(MediaType.WILDCARD)
  @Produces(MediaType.APPLICATION_JSON)
  public Response receive(byte[] body, HttpHeaders headers) {
    Provider provider =
        GitWebhooks.provider(headers::getHeaderString)
            .orElseThrow(
                () ->
                    ApiProblem.badRequest(
                        "not a GitHub, GitLab or Gitea webhook (no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header)"));
    Optional<String> secret = settings.webhookSecret();
    if (secret.isEmpty() || secret.get().isBlank()) {
      throw new ApiProblem(
          401,
          "Unauthorized",
          "webhooks are off: set tarmac.webhook-secret on the service and the same secret on the webhook");
    }
    if (!GitWebhooks.verify(provider, secret.get(), body, headers::getHeaderString)) {
      throw new ApiProblem(
          401,
          "Unauthorized",
          provider
              + " webhook signature is missing or wrong; set the webhook's secret to tarmac.webhook-secret");
    }
    String event =
        switch (provider) {
          case GITHUB -> headers.getHeaderString("X-GitHub-Event");
          case GITLAB -> headers.getHeaderString("X-Gitlab-Event");
          case GITEA -> headers.getHeaderString("X-Gitea-Event");
        };
    Map.Entry<String, String> delivery = GitWebhooks.delivery(provider, headers::getHeaderString);
    if (delivery.getValue() == null) {
      return handle(provider, event, body);
    }
    if (!SeenDeliveries.valid(delivery.getValue())) {
      throw ApiProblem.badRequest(
          delivery.getKey()
              + " is not a delivery id (1 to 200 printable characters without spaces); send the"
              + " provider's own header unchanged");
    }
    String id = provider.name().toLowerCase(java.util.Locale.ROOT) + ":" + delivery.getValue();
    if (!seen.claim(id)) {
      return Response.ok(
              Map.of(
                  "queued",
                  List.of(),
                  "duplicate",
                  true,
                  "ignored",
                  "delivery "
                      + delivery.getValue()
                      + " was already received ("
                      + delivery.getKey()
                      + "); nothing queued. To build the tag again, use POST"
                      + " /api/apps/{app}/builds or `tarmac build`"))
          .build();
    }
    try {
      Response answer = handle(provider, event, body);
      seen.done(id);
      return answer;
    } catch (RuntimeException e) {
      seen.release(id);
      throw e;
    }
  }

  private Response handle(Provider provider, String event, byte[] body) {
    Optional<TagPush> push = GitWebhooks.tagPush(provider, event, body);
    Optional<GitWebhooks.BranchPush> branch =
        push.isPresent() ? Optional.empty() : GitWebhooks.branchPush(provider, event, body);
    if (branch.isPresent()) {
      return branchPushed(branch.get());
    }
    if (push.isEmpty()) {
      return Response.accepted(
              Map.of("queued", List.of(), "ignored", "not a tag push (event " + event + ")"))
          .build();
    }
    List<BuildView> queued = new ArrayList<>();
    for (App app : matching(push.get())) {
      queued.add(builds.request(app.name(), push.get().tag()));
    }
    if (queued.isEmpty()) {
      return Response.accepted(
              Map.of(
                  "queued",
                  List.of(),
                  "ignored",
                  "no registered app has repository " + push.get().urls()))
          .build();
    }
    return Response.accepted(Map.of("queued", queued)).build();
  }

  private List<App> matching(TagPush push) {
    return matching(push.urls());
  }

  private List<App> matching(List<String> urls) {
    return apps.all().stream()
        .filter(a -> urls.stream().anyMatch(u -> GitWebhooks.sameRepo(u, a.repo())))
        .toList();
  }

  /**
   * A branch push builds the branch as it is now, as a version named from its commit, for each app
   * of the repository whose {@code branches} globs match it (none by default: docs/architecture.md,
   * "Builds from any ref").
   */
  private Response branchPushed(GitWebhooks.BranchPush push) {
    List<BuildView> queued = new ArrayList<>();
    for (App app : matching(push.urls())) {
      if (app.buildsBranch(push.branch())) {
        queued.add(builds.requestRef(app.name(), push.branch()));
      }
    }
    if (queued.isEmpty()) {
      return Response.accepted(
              Map.of(
                  "queued",
                  List.of(),
                  "ignored",
                  "no app of repository "
                      + push.urls()
                      + " builds branch "
                      + push.branch()
                      + " (tarmac apps add NAME URL --branches GLOB)"))
          .build();
    }
    return Response.accepted(Map.of("queued", queued)).build();
  }
}
