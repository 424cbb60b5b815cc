package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.pipeline.steps.GitMirrors;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tag watcher's decisions against real git repositories: an origin (bare) that a developer's
 * clone pushes tags to, listed as the service lists it ({@code GitMirrors.remoteTags}). Polls are
 * driven one by one; a push "within" a poll is made by the listing itself, after it listed.
 */
class WatchedTagsTest {
  @TempDir Path tmp;

  private GitOrigin git;

  private final List<String> said = Collections.synchronizedList(new ArrayList<>());
  private final List<String> warned = Collections.synchronizedList(new ArrayList<>());
  private final List<String> requested = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, BuildView> known = Collections.synchronizedMap(new HashMap<>());

  /** Runs once, right after the next listing (a push the listing did not see). */
  private volatile Runnable afterListing;

  private int refusals;
  private App app;
  private final Map<String, App> registered = new HashMap<>();
  private WatchedTags watched;

  @BeforeEach
  void repositories() throws Exception {
    git = new GitOrigin(tmp);
    push("v1.0.0");
    push("v1.1.0");
    app = new App("shop", git.url, true, Instant.EPOCH);
    watched = watcher(a -> GitMirrors.remoteTags(a.repo(), t -> {}));
  }

  @AfterEach
  void close() {
    git.close();
  }

  private WatchedTags watcher(Function<App, List<String>> lister) {
    return new WatchedTags(
        tmp.resolve("state/watch"),
        a -> {
          List<String> tags = lister.apply(a);
          Runnable then = afterListing;
          afterListing = null;
          if (then != null) {
            then.run();
          }
          return tags;
        },
        new WatchedTags.Builds() {
          @Override
          public Optional<BuildView> find(String app, String tag) {
            return Optional.ofNullable(known.get(tag));
          }

          @Override
          public BuildView request(String app, String tag) {
            if (refusals > 0) {
              refusals--;
              throw new ApiProblem(
                  503,
                  "Build queue full",
                  "100 builds are waiting; try again when some have finished");
            }
            requested.add(tag);
            BuildView view = BuildView.queued(app, tag, Instant.EPOCH);
            known.put(tag, view);
            return view;
          }
        },
        said::add,
        warned::add);
  }

  /** A commit and an annotated tag on it, pushed from the clone to the origin. */
  private void push(String tag) {
    git.commit();
    try {
      git.clone.tag().setName(tag).setMessage("release " + tag).setSigned(false).call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    git.push("refs/tags/" + tag + ":refs/tags/" + tag);
  }

  private Runnable pushing(String tag) {
    return () -> push(tag);
  }

  private void register(App a) {
    watched.register(
        a, Optional.ofNullable(registered.get(a.name())), () -> registered.put(a.name(), a));
  }

  private List<String> poll() {
    return watched.poll("shop", n -> Optional.ofNullable(registered.get(n))).stream()
        .map(BuildView::version)
        .toList();
  }

  /** Two polls from now queue nothing and say {@code lines}, once each. */
  private void assertTwoPollsBuildNothingAndSay(String... lines) {
    said.clear();
    assertThat(poll()).isEmpty();
    assertThat(poll()).isEmpty();
    assertThat(requested).isEmpty();
    assertThat(said).containsExactly(lines);
  }

  @Test
  void everyTagPushedAfterRegistrationIsBuiltOnceWhenEverItIsPushed() {
    register(app);
    push("v2.0.0"); // before the first poll (issue 26: never built, nothing said)
    afterListing = pushing("v2.1.0"); // within the first poll, after it listed

    assertThat(poll()).containsExactly("v2.0.0");
    push("v2.2.0"); // between polls
    assertThat(poll()).containsExactly("v2.1.0", "v2.2.0");
    assertThat(poll()).isEmpty();
    assertThat(poll()).isEmpty();

    assertThat(requested).containsExactly("v2.0.0", "v2.1.0", "v2.2.0");
    assertThat(said)
        .containsExactly(
            "tag watcher: watching shop ("
                + app.repo()
                + ") from its registration: 2 tags there now are not built (v1.0.0, v1.1.0;"
                + " tarmac build shop TAG builds one); every tag pushed from now on is",
            "tag watcher: shop: new tag v2.0.0: build queued",
            "tag watcher: shop: new tag v2.1.0: build queued",
            "tag watcher: shop: new tag v2.2.0: build queued");
    assertThat(warned).isEmpty();
  }

  @Test
  void aTagPushedWhileTheRegistrationListsIsBuiltAtTheFirstPoll() {
    afterListing = pushing("v2.0.0");
    register(app);

    assertThat(poll()).containsExactly("v2.0.0");
    assertThat(poll()).isEmpty();
    assertThat(requested).containsExactly("v2.0.0");
  }

  @Test
  void tagsPushedWhilePollsRunAreEachBuiltOnce() throws Exception {
    register(app);
    List<String> pushed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      pushed.add("v3." + i + ".0");
    }
    Thread pusher =
        new Thread(
            () -> {
              for (String tag : pushed) {
                push(tag);
              }
            });
    pusher.start();
    List<String> built = new ArrayList<>();
    while (pusher.isAlive()) {
      built.addAll(poll());
    }
    pusher.join();
    built.addAll(poll());

    assertThat(built).containsExactlyInAnyOrderElementsOf(pushed);
    assertThat(requested).containsExactlyInAnyOrderElementsOf(pushed);
    assertThat(poll()).isEmpty();
  }

  @Test
  void tagsAlreadyBuiltOrBeingBuiltAreSkippedAndSaidSo() {
    register(app);
    push("v2.0.0");
    push("v2.1.0");
    push("v2.2.0");
    known.put("v2.0.0", BuildView.queued("shop", "v2.0.0", Instant.EPOCH).running(Instant.EPOCH));
    known.put(
        "v2.1.0",
        BuildView.queued("shop", "v2.1.0", Instant.EPOCH).failed(Instant.EPOCH, "npm ci failed"));
    known.put(
        "v2.2.0",
        new BuildView(
            "shop",
            "v2.2.0",
            "v2.2.0",
            "c0ffee",
            BuildView.Status.SUCCEEDED,
            "ab",
            1L,
            1,
            Instant.EPOCH,
            Instant.EPOCH,
            Instant.EPOCH,
            null,
            "tag",
            null));
    assertTwoPollsBuildNothingAndSay(
        "tag watcher: shop: new tag v2.0.0 is already being built (RUNNING); not queued again",
        "tag watcher: shop: new tag v2.1.0 was already built and that build FAILED; not built"
            + " again (tarmac build shop v2.1.0 tries again)",
        "tag watcher: shop: new tag v2.2.0 is already built; skipped");
  }

  @Test
  void aTagWhoseBuildCannotBeQueuedIsAskedForAgainAtTheNextPoll() {
    register(app);
    push("v2.0.0");
    refusals = 1;

    assertThat(poll()).isEmpty();
    assertThat(warned)
        .containsExactly(
            "tag watcher: shop: new tag v2.0.0: not queued (100 builds are waiting; try again when"
                + " some have finished); asked again at the next poll");
    assertThat(poll()).containsExactly("v2.0.0");
    assertThat(poll()).isEmpty();
    assertThat(requested).containsExactly("v2.0.0");
  }

  @Test
  void aTagThatIsNotAVersionNameIsSaidOnceAndNotBuilt() {
    register(app);
    push("release/2.0");
    assertTwoPollsBuildNothingAndSay(
        "tag watcher: shop: new tag 'release/2.0' is not a version name (1 to 128 of A-Z a-z"
            + " 0-9 . _ -); not built");
  }

  @Test
  void registeringAgainKeepsWatchingTheSameRepositoryAndStartsAfreshOnAnother() throws Exception {
    register(app);
    push("v2.0.0");
    register(app); // again, same repository: v2.0.0 was pushed after the first registration
    assertThat(poll()).containsExactly("v2.0.0");

    register(new App("shop", app.repo(), false, Instant.EPOCH)); // not watched: not polled
    push("v2.1.0");
    assertThat(poll()).isEmpty();
    register(app); // watched again: v2.1.0 was there at this registration
    assertThat(poll()).isEmpty();

    push("v2.2.0"); // not yet polled on this repository...
    Path other = tmp.resolve("other.git");
    try (Git bare = Git.init().setBare(true).setDirectory(other.toFile()).call()) {
      git.clone
          .push()
          .setRemote(other.toUri().toString())
          .setRefSpecs(new RefSpec("refs/tags/*:refs/tags/*"))
          .call();
    }
    // ...and there at the registration on another one: not built
    register(new App("shop", other.toUri().toString(), true, Instant.EPOCH));
    assertThat(poll()).isEmpty();
    assertThat(requested).containsExactly("v2.0.0");
    assertThat(said.get(said.size() - 1))
        .isEqualTo(
            "tag watcher: watching shop ("
                + other.toUri()
                + ") from its registration: 5 tags there now are not built (v1.0.0, v1.1.0,"
                + " v2.0.0, v2.1.0, v2.2.0; tarmac build shop TAG builds one); every tag pushed"
                + " from now on is");
  }

  @Test
  void anAppWhoseTagsCannotBeListedIsNotRegistered() {
    App missing =
        new App("shop", tmp.resolve("nowhere.git").toUri().toString(), true, Instant.EPOCH);

    assertThatThrownBy(() -> register(missing))
        .isInstanceOf(ApiProblem.class)
        .hasMessageStartingWith(
            "cannot watch shop for new tags: cannot list the tags of " + missing.repo() + ": ")
        .hasMessageEndingWith(
            "; nothing was registered. Check the URL and the credential, or register it without"
                + " watching: tarmac apps add shop "
                + missing.repo()
                + " --no-watch")
        // walk 3: git's "…: not found." read "not found.; nothing was registered"
        .message()
        .doesNotContain(".;");
    assertThat(registered).isEmpty();
    assertThat(tmp.resolve("state/watch/shop.tags")).doesNotExist();
    assertThat(said).isEmpty();
  }

  @Test
  void anAppWatchedWithoutARegistrationStartsAtItsFirstPollAndSaysSoOnce() {
    registered.put("shop", app); // configured (tarmac.apps.shop.repo, .watch=true)

    assertThat(poll()).isEmpty();
    push("v2.0.0");
    assertThat(poll()).containsExactly("v2.0.0");
    assertThat(said)
        .containsExactly(
            "tag watcher: watching shop ("
                + app.repo()
                + ") from its first poll: 2 tags there now are not built (v1.0.0, v1.1.0; tarmac"
                + " build shop TAG builds one); every tag pushed from now on is",
            "tag watcher: shop: new tag v2.0.0: build queued");
  }

  @Test
  void manyTagsThereAreCountedNotAllNamed() {
    for (int i = 0; i < 6; i++) {
      push("v0." + i);
    }
    AtomicInteger lists = new AtomicInteger();
    watched =
        watcher(
            a -> {
              lists.incrementAndGet();
              return GitMirrors.remoteTags(a.repo(), t -> {});
            });
    register(app);
    assertThat(lists).hasValue(1);
    assertThat(said)
        .containsExactly(
            "tag watcher: watching shop ("
                + app.repo()
                + ") from its registration: 8 tags there now are not built (v0.0, v0.1, v0.2,"
                + " v0.3, v0.4, … 3 more; tarmac build shop TAG builds one); every tag pushed from"
                + " now on is");
  }
}
