package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.builder.pipeline.steps.GitMirrors;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher's polls of an app's branch globs (issue 26: only tags were polled) against real git
 * repositories: an origin (bare) a developer's clone pushes branches to, listed as the service
 * lists it ({@code GitMirrors.remoteBranches}), and a build service that, as {@link
 * BuildService#requestRef}, builds a branch as the origin has it now and a built commit once.
 */
class WatchedBranchesTest {
  @TempDir Path tmp;

  private GitOrigin git;

  private final List<String> said = Collections.synchronizedList(new ArrayList<>());
  private final List<String> warned = Collections.synchronizedList(new ArrayList<>());
  private final List<String> requested = Collections.synchronizedList(new ArrayList<>());

  /** The builds there are, by commit (published ones answer for every ref naming the commit). */
  private final Map<String, BuildView> byCommit = Collections.synchronizedMap(new HashMap<>());

  /** Runs once, right after the next listing (a push the listing did not see). */
  private volatile Runnable afterListing;

  private int refusals;
  private App app;
  private final Map<String, App> registered = new HashMap<>();
  private WatchedTags tags;
  private WatchedBranches branches;

  @BeforeEach
  void repositories() throws Exception {
    git = new GitOrigin(tmp);
    push("main");
    app = new App("shop", git.url, true, Instant.EPOCH, List.of("main", "release/*"));
    tags =
        new WatchedTags(
            tmp.resolve("state/watch"),
            a -> GitMirrors.remoteTags(a.repo(), t -> {}),
            new WatchedTags.Builds() {
              @Override
              public Optional<BuildView> find(String app, String tag) {
                return Optional.empty();
              }

              @Override
              public BuildView request(String app, String tag) {
                throw new AssertionError("no tag is pushed here: " + tag);
              }
            },
            said::add,
            warned::add);
    branches =
        new WatchedBranches(
            tmp.resolve("state/watch"),
            a -> {
              Map<String, String> heads = GitMirrors.remoteBranches(a.repo(), t -> {});
              Runnable then = afterListing;
              afterListing = null;
              if (then != null) {
                then.run();
              }
              return heads;
            },
            this::requestRef,
            said::add,
            warned::add);
    registered.put(app.name(), app);
    tags.register(app, Optional.empty(), () -> {});
    said.clear();
  }

  @AfterEach
  void close() {
    git.close();
  }

  /** As {@link BuildService#requestRef}: the branch as the origin has it now, a commit once. */
  private BuildView requestRef(String appName, String branch) {
    if (refusals > 0) {
      refusals--;
      throw new ApiProblem(
          503, "Build queue full", "100 builds are waiting; try again when some have finished");
    }
    try {
      ObjectId head = git.origin.getRepository().resolve("refs/heads/" + branch);
      String commit = head.name();
      BuildView there = byCommit.get(commit);
      if (there != null && there.status() == BuildView.Status.SUCCEEDED) {
        return there;
      }
      String version = branch.replace('/', '-') + "-" + commit.substring(0, 7);
      requested.add(version);
      BuildView view =
          BuildView.queuedRef(appName, version, "branch", branch, commit, Instant.EPOCH);
      byCommit.put(commit, view);
      return view;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new commit on {@code branch} (made from the clone's current one), pushed to the origin. */
  private String push(String branch) {
    String id = git.commit();
    git.push("HEAD:refs/heads/" + branch);
    return id;
  }

  /** {@code branch} pushed at the clone's current commit, no new commit. */
  private void pushAsIs(String branch) {
    git.push("HEAD:refs/heads/" + branch);
  }

  /** One poll, as {@code TagWatcher.poll} makes it: the tags, then the branches, one lock. */
  private List<String> poll() {
    return tags.poll("shop", n -> Optional.ofNullable(registered.get(n)), branches::poll).stream()
        .map(BuildView::version)
        .toList();
  }

  private static String s(String commit) {
    return commit.substring(0, 7);
  }

  private void built() {
    byCommit.replaceAll(
        (c, v) ->
            new BuildView(
                v.app(),
                v.version(),
                v.tag(),
                v.commit(),
                BuildView.Status.SUCCEEDED,
                null,
                null,
                null,
                v.queuedAt(),
                null,
                null,
                null,
                v.kind(),
                v.ref()));
  }

  @Test
  void everyNewCommitOfAMatchingBranchIsBuiltOnceAndEveryDecisionSaid() throws Exception {
    String first = git.origin.getRepository().resolve("refs/heads/main").name();
    assertThat(poll()).containsExactly("main-" + s(first)); // the branch as it is now
    assertThat(poll()).isEmpty();

    String second = push("main");
    String release = push("release/1.0");
    push("feature/x"); // matches no glob: never built
    assertThat(poll()).containsExactly("main-" + s(second), "release-1.0-" + s(release));
    assertThat(poll()).isEmpty();
    assertThat(poll()).isEmpty();

    assertThat(requested)
        .containsExactly("main-" + s(first), "main-" + s(second), "release-1.0-" + s(release));
    assertThat(said)
        .containsExactly(
            "branch watcher: shop: branch main at "
                + s(first)
                + ": build main-"
                + s(first)
                + " queued",
            "branch watcher: shop: branch main at "
                + s(second)
                + ": build main-"
                + s(second)
                + " queued",
            "branch watcher: shop: branch release/1.0 at "
                + s(release)
                + ": build release-1.0-"
                + s(release)
                + " queued");
    assertThat(warned).isEmpty();
  }

  @Test
  void aCommitAlreadyBuiltIsSkippedAndSaidSo() throws Exception {
    String first = git.origin.getRepository().resolve("refs/heads/main").name();
    poll();
    built();
    said.clear();
    pushAsIs("release/2.0"); // the commit main-… was built from

    assertThat(poll()).containsExactly("main-" + s(first));
    assertThat(poll()).isEmpty();
    assertThat(requested).containsExactly("main-" + s(first));
    assertThat(said)
        .containsExactly(
            "branch watcher: shop: branch release/2.0 at "
                + s(first)
                + ": this commit is already built (main-"
                + s(first)
                + "); skipped");
  }

  @Test
  void aPushWithinThePollIsBuiltOnceAndARefusedBuildIsAskedForAgain() throws Exception {
    poll();
    requested.clear();
    said.clear();
    String listed = push("main");
    String[] pushed = new String[1];
    afterListing = () -> pushed[0] = push("main"); // after the listing, before the request
    assertThat(poll()).containsExactly("main-" + s(pushed[0]));
    assertThat(poll()).isEmpty(); // the build's commit is the one kept
    assertThat(requested).containsExactly("main-" + s(pushed[0]));
    assertThat(said)
        .containsExactly(
            "branch watcher: shop: branch main at "
                + s(listed)
                + ": build main-"
                + s(pushed[0])
                + " queued");

    refusals = 1;
    String next = push("main");
    assertThat(poll()).isEmpty();
    assertThat(warned)
        .containsExactly(
            "branch watcher: shop: branch main at "
                + s(next)
                + ": not queued (100 builds are waiting; try again when some have finished);"
                + " asked again at the next poll");
    assertThat(poll()).containsExactly("main-" + s(next));
    assertThat(poll()).isEmpty();
  }

  @Test
  void anAppWithoutBranchGlobsOrNotWatchedHasNoBranchBuilt() throws Exception {
    registered.put("shop", new App("shop", app.repo(), true, Instant.EPOCH));
    assertThat(poll()).isEmpty();
    push("main");
    assertThat(poll()).isEmpty();
    registered.put(
        "shop", new App("shop", app.repo(), false, Instant.EPOCH, List.of("main", "release/*")));
    assertThat(poll()).isEmpty();
    assertThat(requested).isEmpty();
  }
}
