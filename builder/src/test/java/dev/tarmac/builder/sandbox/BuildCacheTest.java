package dev.tarmac.builder.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.pipeline.BuildRequest;
import dev.tarmac.builder.pipeline.Builder;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-app build cache ({@code build.cache}, docs/architecture.md "The build cache"): restored
 * into the same app's next build only, saved only after a published build, bounded, and closed to
 * what a hostile build leaves in it. Real builds in the sandbox this machine gives by default
 * (bubblewrap, a uid of its own per build).
 */
class BuildCacheTest {
  static final String SECRET = "root-only-secret-0123456789";

  /** Warm when ~/.npm/seen exists (prints who saved it), else fills both cache paths. */
  static final String WARM_OR_FILL =
      "if [ -f ~/.npm/seen ]; then echo \"warm: $(cat ~/.npm/seen) $(cat node_modules/.cache/t)\";"
          + " else echo cold; mkdir -p ~/.npm node_modules/.cache"
          + " && echo $TARMAC_VERSION > ~/.npm/seen && echo tree-$TARMAC_VERSION >"
          + " node_modules/.cache/t; fi";

  @TempDir Path tmp;
  ArtifactStore store;
  Path dataDir;

  @BeforeEach
  void setUp() throws Exception {
    dataDir = tmp.resolve("data");
    Files.createDirectories(dataDir);
    store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(
                "a-signing-key-of-32-bytes-length".getBytes(StandardCharsets.UTF_8),
                Clock.systemUTC()));
  }

  /** The sandbox the builds run in (the service's default here; the fallback's own there). */
  BuildSandbox.Settings sandbox() {
    return BuildSandbox.Settings.defaults();
  }

  Builder builder() {
    return builder(BuildCache.DEFAULT_MAX_BYTES);
  }

  /** A builder whose caches hold at most {@code maxBytes} ({@code tarmac.build.cache-max-size}). */
  Builder builder(long maxBytes) {
    return new Builder(store, dataDir, Clock.systemUTC(), sandbox(), maxBytes);
  }

  /** A repository of {@code app} whose build runs {@code commands} with {@code cache} paths. */
  SampleRepo repo(String app, String cache, String... commands) throws Exception {
    SampleRepo repo = new SampleRepo(tmp.resolve("repo-" + app));
    StringBuilder yml = new StringBuilder("app: " + app + "\nbuild:\n  commands:\n");
    for (String c : commands) {
      yml.append("    - '").append(c.replace("'", "''")).append("'\n");
    }
    yml.append("  cache: ")
        .append(cache)
        .append("\n  cache_key: [package-lock.json]\n  exclude: [node_modules]\n")
        .append(
            "environments:\n  demo: { deploy_to: /srv/x, hosts: [{ name: a, address: local }] }\n");
    repo.write("tarmac.yml", yml.toString());
    repo.write("package-lock.json", "{\"lockfileVersion\": 3}\n");
    return repo;
  }

  String build(Builder b, String app, SampleRepo repo, String tag) throws Exception {
    Path log = tmp.resolve(app + "-" + tag + ".log");
    b.build(new BuildRequest(app, repo.url(), tag, Instant.now()), log);
    return Files.readString(log);
  }

  String failedBuild(Builder b, String app, SampleRepo repo, String tag) throws Exception {
    Path log = tmp.resolve(app + "-" + tag + ".log");
    assertThatThrownBy(() -> b.build(new BuildRequest(app, repo.url(), tag, Instant.now()), log))
        .isInstanceOf(BuildException.class);
    return Files.readString(log);
  }

  @Test
  void theNextBuildOfTheAppStartsFromWhatThePublishedOneLeftAndAnotherAppNever() throws Exception {
    Builder b = builder();
    SampleRepo shop = repo("shop", "[~/.npm, node_modules/.cache]", WARM_OR_FILL);
    shop.commitAndTag("one", "v1");
    shop.write("app.txt", "two");
    shop.commitAndTag("two", "v2");
    SampleRepo other = repo("other", "[~/.npm, node_modules/.cache]", WARM_OR_FILL);
    other.commitAndTag("one", "v1");

    String first = build(b, "shop", shop, "v1");
    String second = build(b, "shop", shop, "v2");
    String otherApp = build(b, "other", other, "v1");

    assertThat(first)
        .contains("cache: key ")
        .contains(
            "(app shop; paths ~/.npm, node_modules/.cache; package-lock.json sha256 "
                + sha256("{\"lockfileVersion\": 3}\n").substring(0, 12)
                + ")")
        .contains("cache: none saved for shop yet; this build starts cold")
        .contains("  | cold")
        .contains(
            "cache: 2 files, 11 bytes of ~/.npm, node_modules/.cache will be saved under key ");
    assertThat(second)
        .contains("  | warm: v1 tree-v1")
        .contains("cache: restored 2 files, 11 bytes saved by shop v1 (the same key)");
    // a cache written by one app's build is never an input of another's
    assertThat(otherApp)
        .contains("cache: none saved for other yet; this build starts cold")
        .contains("  | cold")
        .doesNotContain("  | warm");
    // the service's copy: mode 700, the service's, in the data dir
    Path saved = dataDir.resolve("build-cache/shop/current");
    // v2 left what it restored as it was: v1's copy is kept, not saved again
    assertThat(second).containsPattern("cache: key [0-9a-f]{16} hit; not saved again");
    assertThat(Files.readString(saved.resolve("data/home/.npm/seen"))).isEqualTo("v1\n");
    assertThat(Files.readString(saved.resolve("cache.properties"))).contains("version=v1");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dataDir.resolve("build-cache/shop"))))
        .isEqualTo("rwx------");
  }

  @Test
  void anExactHitTheBuildLeftAsItWasIsNotSavedAgainAndOneItChangedIs() throws Exception {
    Builder b = builder();
    // each run adds an npm debug log; a warm run touches ~/.npm/seen (same bytes, a new time);
    // with change.txt in the tree the build writes other bytes into it
    SampleRepo shop =
        repo(
            "shop",
            "[~/.npm, node_modules]",
            "mkdir -p ~/.npm/_logs node_modules/pkg && echo $TARMAC_VERSION >"
                + " ~/.npm/_logs/$TARMAC_VERSION-debug-0.log && ln -sfn pkg node_modules/link",
            "if [ -f ~/.npm/seen ]; then sleep 0.01; touch ~/.npm/seen; else echo $TARMAC_VERSION"
                + " > ~/.npm/seen; fi",
            "if [ -f change.txt ]; then cat change.txt > ~/.npm/seen; fi");
    shop.commitAndTag("one", "v1");
    shop.write("app.txt", "two");
    shop.commitAndTag("two", "v2");
    shop.write("change.txt", "v3\n");
    shop.commitAndTag("three", "v3");

    String first = build(b, "shop", shop, "v1");
    String second = build(b, "shop", shop, "v2");
    Path saved = dataDir.resolve("build-cache/shop/current");
    String afterSecond = Files.readString(saved.resolve("cache.properties"));
    String third = build(b, "shop", shop, "v3");

    String key = first.replaceAll("(?s).*cache: key ([0-9a-f]{16}) .*", "$1");
    assertThat(first).contains("will be saved under key " + key + " once the build is published\n");
    assertThat(second)
        .contains("cache: restored 2 files, 6 bytes saved by shop v1 (the same key)")
        .contains(
            "cache: key "
                + key
                + " hit; not saved again (the build left ~/.npm, node_modules as restored from"
                + " shop v1)")
        .doesNotContain("will be saved");
    assertThat(afterSecond).contains("version=v1");
    assertThat(third)
        .contains(
            "bytes of ~/.npm, node_modules will be saved under key "
                + key
                + " once the build is published (key hit, but the build changed ~/.npm/seen"
                + " (content))");
    assertThat(Files.readString(saved.resolve("cache.properties"))).contains("version=v3");
    assertThat(Files.readString(saved.resolve("data/home/.npm/seen"))).isEqualTo("v3\n");
    assertThat(Files.readSymbolicLink(saved.resolve("data/tree/node_modules/link")))
        .isEqualTo(Path.of("pkg"));
  }

  @Test
  void theAppsNextBuildRunsInTheSamePathSoABundlersCacheOfAbsolutePathsStaysValid()
      throws Exception {
    Builder b = builder();
    // as webpack's and babel-loader's caches, which key what they keep by the file's full path
    SampleRepo shop =
        repo(
            "shop",
            "[node_modules/.cache]",
            "if [ \"$(cat node_modules/.cache/where 2>/dev/null)\" = \"$PWD\" ]; then echo"
                + " same-path; else echo other-path; fi",
            // webpack's snapshot of what it resolved reads the tree's parent directory
            "ls .. > /dev/null && echo parent-listed",
            "mkdir -p node_modules/.cache && echo \"$PWD\" > node_modules/.cache/where");
    shop.commitAndTag("one", "v1");
    shop.write("app.txt", "two");
    shop.commitAndTag("two", "v2");

    assertThat(build(b, "shop", shop, "v1"))
        .contains("  | other-path")
        .contains("  | parent-listed");
    assertThat(build(b, "shop", shop, "v2")).contains("  | same-path");
  }

  @Test
  void aRestoredNodeModulesKeepsItsBinLinksAndExecutables() throws Exception {
    Builder b = builder();
    SampleRepo shop =
        repo(
            "shop",
            "[node_modules]",
            "if [ -d node_modules ]; then node_modules/.bin/tool; else mkdir -p"
                + " node_modules/tool/bin node_modules/.bin && printf '#!/bin/sh\\necho tool"
                + " ran\\n' > node_modules/tool/bin/tool.sh && chmod 755"
                + " node_modules/tool/bin/tool.sh && ln -s ../tool/bin/tool.sh"
                + " node_modules/.bin/tool; fi");
    shop.commitAndTag("one", "v1");
    shop.write("app.txt", "two");
    shop.commitAndTag("two", "v2");

    build(b, "shop", shop, "v1");
    String second = build(b, "shop", shop, "v2");

    assertThat(second).contains("  | tool ran").contains("hit; not saved again");
    Path saved = dataDir.resolve("build-cache/shop/current/data/tree/node_modules");
    assertThat(Files.readSymbolicLink(saved.resolve(".bin/tool")))
        .isEqualTo(Path.of("../tool/bin/tool.sh"));
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(saved.resolve("tool/bin/tool.sh"))))
        .isEqualTo("rwxr-xr-x");
  }

  @Test
  void changedLockFilesStillRestoreTheCacheOfTheSamePathsAndSayTheKeyDiffers() throws Exception {
    Builder b = builder();
    SampleRepo shop = repo("shop", "[~/.npm]", WARM_OR_FILL);
    shop.commitAndTag("one", "v1");
    shop.write("package-lock.json", "{\"lockfileVersion\": 3, \"x\": 1}\n");
    shop.commitAndTag("two", "v2");

    build(b, "shop", shop, "v1");
    String second = build(b, "shop", shop, "v2");

    assertThat(second)
        .containsPattern(
            "cache: restored 1 files, 3 bytes saved by shop v1 \\(key [0-9a-f]{16}: the build.cache_key files differ\\)");
  }

  @Test
  void aFailedBuildSavesNothing() throws Exception {
    Builder b = builder();
    SampleRepo shop =
        repo("shop", "[~/.npm]", "mkdir -p ~/.npm && echo poisoned > ~/.npm/seen", "exit 3");
    shop.commitAndTag("one", "v1");

    String failed = failedBuild(b, "shop", shop, "v1");

    assertThat(failed).contains("cache: not saved: the build failed");
    assertThat(dataDir.resolve("build-cache/shop/current")).doesNotExist();
    try (var left = Files.list(dataDir.resolve("build-cache/shop"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aCacheOverTheServicesLimitIsNotSavedWithOneLine() throws Exception {
    Builder b = builder(BuildCache.parseSize("1k"));
    SampleRepo shop =
        repo("shop", "[~/.npm]", "mkdir -p ~/.npm && head -c 4096 /dev/zero > ~/.npm/big");
    shop.commitAndTag("one", "v1");

    String log = build(b, "shop", shop, "v1");

    assertThat(log)
        .contains(
            "cache: not saved: the cache paths hold more than tarmac.build.cache-max-size (1024"
                + " bytes) at ~/.npm/big; raise the setting or cache less");
    assertThat(dataDir.resolve("build-cache/shop/current")).doesNotExist();
  }

  @Test
  void fifosHardLinksAndALinkOnTheWayAreRefusedAndLinksInsideAreNeverFollowed() throws Exception {
    Path secret = tmp.resolve("secret.txt");
    Files.writeString(secret, SECRET);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Builder b = builder();
    SampleRepo fifo = repo("fifo", "[~/.npm]", "mkdir -p ~/.npm && mkfifo ~/.npm/pipe");
    fifo.commitAndTag("one", "v1");
    SampleRepo hard =
        repo("hard", "[~/.npm]", "mkdir -p ~/.npm && echo a > ~/.npm/a && ln ~/.npm/a ~/.npm/b");
    hard.commitAndTag("one", "v1");
    SampleRepo away = repo("away", "[node_modules/.cache]", "ln -s / node_modules");
    away.commitAndTag("one", "v1");
    SampleRepo link =
        repo(
            "link",
            "[~/.npm]",
            "if [ -L ~/.npm/secret ]; then cat ~/.npm/secret || echo unreadable; else mkdir -p"
                + " ~/.npm && ln -s "
                + secret
                + " ~/.npm/secret; fi");
    link.commitAndTag("one", "v1");
    link.write("app.txt", "two");
    link.commitAndTag("two", "v2");

    assertThat(build(b, "fifo", fifo, "v1"))
        .contains(
            "cache: not saved: ~/.npm/pipe is a FIFO, socket or device; a cache holds files and"
                + " directories");
    assertThat(build(b, "hard", hard, "v1"))
        .containsPattern(
            "cache: not saved: ~/.npm/[ab] is a hard link; a cache holds files of its own");
    assertThat(build(b, "away", away, "v1"))
        .contains("cache: not saved: the build made node_modules a symlink");
    build(b, "link", link, "v1");
    String second = build(b, "link", link, "v2");

    Path kept = dataDir.resolve("build-cache/link/current/data/home/.npm/secret");
    assertThat(Files.isSymbolicLink(kept)).as("kept as a link, not read through").isTrue();
    assertThat(second).doesNotContain(SECRET).contains("unreadable");
    for (String app : new String[] {"fifo", "hard", "away"}) {
      assertThat(dataDir.resolve("build-cache/" + app + "/current")).doesNotExist();
    }
  }

  @Test
  void aSymlinkInTheCheckoutIsNeverRestoredThrough() throws Exception {
    Builder b = builder();
    SampleRepo shop =
        repo(
            "shop",
            "[node_modules/.cache]",
            "mkdir -p node_modules/.cache && echo x > node_modules/.cache/t");
    shop.commitAndTag("one", "v1");
    Path target = tmp.resolve("outside");
    Files.createDirectories(target);
    Files.createSymbolicLink(shop.dir().resolve("node_modules"), target);
    shop.write(
        "tarmac.yml",
        Files.readString(shop.dir().resolve("tarmac.yml"))
            .replace("mkdir -p node_modules/.cache && echo x > node_modules/.cache/t", "true"));
    shop.commitAndTag("two", "v2");

    build(b, "shop", shop, "v1");
    String second = build(b, "shop", shop, "v2");

    assertThat(second)
        .contains("not restored: node_modules/.cache (node_modules is a symlink in the checkout)");
    assertThat(target.resolve(".cache")).doesNotExist();
    assertThat(Files.exists(target.resolve(".cache"), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  @Test
  void whatAServiceKilledMidBuildLeftIsRemovedAtStartAndTheSavedCacheKept() throws Exception {
    Builder b = builder();
    SampleRepo shop = repo("shop", "[~/.npm]", WARM_OR_FILL);
    shop.commitAndTag("one", "v1");
    build(b, "shop", shop, "v1");
    Path app = dataDir.resolve("build-cache/shop");
    Files.createDirectories(app.resolve(".staging-123/data/home/.npm"));
    Files.createDirectories(app.resolve(".old-456"));

    builder().cleanAbandonedWork();

    try (var left = Files.list(app)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("current");
    }
  }

  // a failed npm names its debug log in the build's HOME, which goes with the sandbox

  @Test
  void aFailedNpmsOwnDebugLogIsKeptInTheBuildLog() throws Exception {
    Builder b = builder();
    SampleRepo shop = repo("shop", "[~/.npm]", "echo {} > package.json && npm run no-such-script");
    shop.commitAndTag("one", "v1");

    String log = failedBuild(b, "shop", shop, "v1");

    assertThat(log)
        .containsPattern(
            "npm's debug log /\\S+/home/\\.npm/_logs/\\S+-debug-0\\.log, kept here: its directory"
                + " goes with the build's sandbox")
        .containsPattern("  npm-log \\| \\d+ verbose ")
        .contains("Missing script: \"no-such-script\"");
  }

  @Test
  void aDebugLogThatIsALinkIsNotRead() throws Exception {
    Path secret = tmp.resolve("secret.txt");
    Files.writeString(secret, SECRET);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Builder b = builder();
    SampleRepo shop =
        repo(
            "shop",
            "[~/.npm]",
            "ln -s "
                + secret
                + " ~/debug.log; echo \"npm error A complete log of this run can be found in:"
                + " $HOME/debug.log\"; exit 1");
    shop.commitAndTag("one", "v1");

    String log = failedBuild(b, "shop", shop, "v1");

    assertThat(log)
        .containsPattern(
            "npm's debug log /\\S+/home/debug\\.log is not copied here: a symlink leads to it")
        .doesNotContain(SECRET);
  }

  static String sha256(String text) {
    return dev.tarmac.distributor.store.Hashing.sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }
}
