package dev.tarmac.builder.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tarmac.builder.pipeline.BuildRequest;
import dev.tarmac.builder.pipeline.BuildResult;
import dev.tarmac.builder.pipeline.Builder;
import dev.tarmac.builder.testing.SampleRepo;
import dev.tarmac.builder.testing.Tarballs;
import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.distributor.model.StoreLayout;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile build command, as issue 10 found it: it must not reach the service's secrets, files or
 * process, must not outlive its build, and must still reach the network. Runs with the isolation
 * this machine offers by default (bubblewrap as root: {@code .ci/setup-test-host} installs it).
 */
class BuildIsolationTest {
  static final String SIGNING_KEY = "5f1c0ffee5ecret0signing0key0would0sign0any0url";
  static final String API_TOKEN = "tok-0123456789-service-api-token";

  @TempDir Path tmp;
  SampleRepo repo;
  ArtifactStore store;
  Path dataDir;
  final List<ProcessHandle> leftovers = new java.util.ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    repo = new SampleRepo(tmp.resolve("repo"));
    dataDir = tmp.resolve("data");
    Files.createDirectories(dataDir);
    // the service's secrets, as ServiceConfig keeps them in the data dir
    secret(dataDir.resolve("signing.key"), SIGNING_KEY);
    secret(dataDir.resolve("api-token"), API_TOKEN);
    store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.1:1"),
            new UrlSigner(SIGNING_KEY.getBytes(StandardCharsets.UTF_8), Clock.systemUTC()));
  }

  @AfterEach
  void killLeftovers() {
    // what an old Tarmac let live: end it so one failing run does not leave sleeps behind
    leftovers.forEach(ProcessHandle::destroyForcibly);
  }

  static void secret(Path file, String text) throws Exception {
    Files.writeString(file, text + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  /** The service's configuration as it is by default (tarmac.build.isolation=auto). */
  Builder builder() {
    return new Builder(store, dataDir, Clock.systemUTC());
  }

  /**
   * True where the build runs in bubblewrap's namespaces (what auto gives here, as root with
   * bubblewrap installed by .ci/setup-test-host); the fallback's test says false.
   */
  boolean namespaces() {
    return true;
  }

  /** How the build log names the isolation in force. */
  String expectedIsolation() {
    return "isolation: bubblewrap, as a uid of its own per build (tarmac.build.uids 700000-700255)";
  }

  /** The uids builds run as by default: one of its own per build. */
  static boolean buildUid(String uid) {
    return UidRange.DEFAULT.contains(Integer.parseInt(uid.trim()));
  }

  /** Commits {@code tarmac.yml} with these build commands (and timeout) and tags it. */
  void commands(String tag, String timeout, String... commands) throws Exception {
    commandsWith(tag, timeout, "", commands);
  }

  /** The same, with {@code extra} YAML lines in the build section (such as env:). */
  void commandsWith(String tag, String timeout, String extra, String... commands) throws Exception {
    StringBuilder block = new StringBuilder(extra).append("  commands:\n");
    for (String c : commands) {
      block.append("    - '").append(c.replace("'", "''")).append("'\n");
    }
    if (timeout != null) {
      block.append("  timeout: ").append(timeout).append('\n');
    }
    repo.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML.replaceFirst(
            "  commands: \\[.*\\]\n", java.util.regex.Matcher.quoteReplacement(block.toString())));
    repo.commitAndTag("commands for " + tag, tag);
  }

  BuildResult build(Builder b, String tag, Path log) {
    return b.build(new BuildRequest("shop", repo.url(), tag, Instant.now()), log);
  }

  Map<String, Tarballs.Item> artifact(String version) throws Exception {
    return Tarballs.read(store.get(StoreLayout.artifact("shop", version)));
  }

  @Test
  void aBuildCommandCannotReadTheServicesSecretsNorWriteItsFiles() throws Exception {
    String data = dataDir.toString();
    commands(
        "v2.0.0",
        null,
        "mkdir -p out",
        "cat ../../../signing.key > out/relative.txt 2>&1 || true",
        "cat " + data + "/signing.key > out/absolute.txt 2>&1 || true",
        "cat " + data + "/api-token > out/token.txt 2>&1 || true",
        "cat /proc/$PPID/cmdline > out/parent-cmdline.txt 2>&1 || true",
        "for p in /proc/[0-9]*; do cat $p/cmdline; echo; done > out/all-cmdlines.txt 2>&1 || true",
        "env > out/env.txt",
        "id -u > out/uid.txt",
        "echo pwned > " + data + "/pwned-absolute 2>/dev/null || true",
        "echo pwned > ../../../pwned-relative 2>/dev/null || true",
        "cat ../../../signing.key " + data + "/signing.key 2>&1; env; true");
    Path log = tmp.resolve("build.log");

    build(builder(), "v2.0.0", log);

    Map<String, Tarballs.Item> items = artifact("v2.0.0");
    String everything =
        items.values().stream().map(Tarballs.Item::text).collect(Collectors.joining("\n"));
    String logText = Files.readString(log);
    String javaBinary = ProcessHandle.current().info().command().orElseThrow();
    for (String text : List.of(everything, logText)) {
      assertThat(text).doesNotContain(SIGNING_KEY).doesNotContain(API_TOKEN);
    }
    assertThat(items.get("out/relative.txt").text())
        .containsAnyOf("No such file", "Permission denied");
    assertThat(items.get("out/absolute.txt").text())
        .contains(namespaces() ? "No such file" : "Permission denied");
    assertThat(items.get("out/token.txt").text())
        .contains(namespaces() ? "No such file" : "Permission denied");
    if (namespaces()) {
      // the service's process (the JVM) is out of sight: neither the parent nor any other process
      assertThat(items.get("out/parent-cmdline.txt").text()).doesNotContain(javaBinary);
      assertThat(items.get("out/all-cmdlines.txt").text()).doesNotContain(javaBinary);
    }
    // a clean environment: nothing of the service's own
    Map<String, String> env = parseEnv(items.get("out/env.txt").text());
    assertThat(env.keySet())
        .allMatch(
            k ->
                k.startsWith("TARMAC_")
                    || Set.of("PATH", "HOME", "LANG", "LC_ALL", "PWD", "SHLVL", "_", "OLDPWD")
                        .contains(k),
            "only PATH, HOME, LANG, LC_ALL and TARMAC_* (and what sh sets itself): "
                + env.keySet());
    assertThat(env).containsEntry("TARMAC_APP", "shop").containsEntry("TARMAC_VERSION", "v2.0.0");
    assertThat(env.get("HOME"))
        .isNotEqualTo(System.getProperty("user.home"))
        .doesNotStartWith(data);
    assertThat(env.get("PWD")).doesNotStartWith(data);
    // not root, not the service's user: the build user
    assertThat(items.get("out/uid.txt").text().trim()).matches(BuildIsolationTest::buildUid);
    // nothing written into the data dir
    try (var files = Files.walk(dataDir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("pwned"));
    }
  }

  @Test
  void theBuildLogSaysWhichIsolationIsInForce() throws Exception {
    Path log = tmp.resolve("build.log");

    build(builder(), "v1.0.0", log);

    List<String> first = Files.readAllLines(log).subList(0, 3);
    assertThat(String.join("\n", first)).contains(expectedIsolation());
  }

  @Test
  void theAppsBuildEnvReachesItsCommandsAndTheTreeComesBack() throws Exception {
    commandsWith(
        "v2.0.0",
        null,
        "  env:\n    NODE_ENV: production\n    GREETING: 'hello world'\n",
        "mkdir -p out && echo \"$NODE_ENV/$GREETING/$TARMAC_TAG\" > out/env.txt",
        "chmod 555 out");

    build(builder(), "v2.0.0", tmp.resolve("build.log"));

    assertThat(artifact("v2.0.0").get("out/env.txt").text())
        .isEqualTo("production/hello world/v2.0.0\n");
    try (var left = Files.list(BuildSandbox.Settings.defaults().root())) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("no sandbox left behind")
          .noneMatch(n -> n.contains("shop-v2.0.0"));
    }
  }

  @Test
  void noProcessABuildStartsOutlivesIt() throws Exception {
    String mark = marker();
    List<String> commands =
        new java.util.ArrayList<>(
            List.of(
                "sleep 1000." + mark + "1 > /dev/null 2>&1 &",
                "nohup sleep 1000." + mark + "4 > /dev/null 2>&1 &",
                "mkdir -p vendor && echo done > vendor/INSTALLED"));
    // in its own session, and double-forked out of the shell's reach: the PID namespace, or the
    // kill of every process of the build's own uid, ends them
    commands.add(0, "setsid sleep 1000." + mark + "2 > /dev/null 2>&1 &");
    commands.add(0, "(setsid sleep 1000." + mark + "3 > /dev/null 2>&1 &)");
    commands("v2.0.0", null, commands.toArray(String[]::new));

    build(builder(), "v2.0.0", tmp.resolve("build.log"));

    assertThat(artifact("v2.0.0").get("vendor/INSTALLED").text()).isEqualTo("done\n");
    assertNoneLeft(mark);
  }

  @Test
  void aBuildThatTimesOutEndsEveryProcessItStarted() throws Exception {
    String mark = marker();
    commands(
        "v2.0.0",
        "2s",
        "(setsid sleep 1000."
            + mark
            + "1 > /dev/null 2>&1 &); "
            + "sleep 1000."
            + mark
            + "3 & sleep 1000."
            + mark
            + "2");

    assertThatThrownBy(() -> build(builder(), "v2.0.0", tmp.resolve("build.log")))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("did not finish within build.timeout (2s)");
    assertNoneLeft(mark);
  }

  @Test
  void buildCommandsStillReachTheNetwork() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/package.tgz",
        exchange -> {
          byte[] body = "package from the registry\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    try {
      int port = server.getAddress().getPort();
      commands(
          "v2.0.0",
          null,
          "mkdir -p vendor && curl -fsS http://127.0.0.1:" + port + "/package.tgz -o vendor/pkg");

      build(builder(), "v2.0.0", tmp.resolve("build.log"));

      assertThat(artifact("v2.0.0").get("vendor/pkg").text())
          .isEqualTo("package from the registry\n");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aBuildCannotSwapTheUserDatabaseBubblewrapShowsItForAHiddenFile() throws Exception {
    // the service's working directory is hidden from builds; its pom.xml is world-readable
    Path hidden = Path.of(System.getProperty("user.dir"), "pom.xml").toAbsolutePath();
    commands(
        "v2.0.0",
        null,
        "mkdir -p out",
        "rm -f ../passwd 2>/dev/null; ln -s " + hidden + " ../passwd 2>/dev/null; true",
        "cat /etc/passwd > out/passwd.txt 2>&1 || true");

    build(builder(), "v2.0.0", tmp.resolve("build.log"));

    assertThat(artifact("v2.0.0").get("out/passwd.txt").text())
        .doesNotContain("<project")
        .doesNotContain("<artifactId>");
  }

  @Test
  void aBuildCannotSwapItsTreeForALinkThatTheServiceThenWritesThrough() throws Exception {
    // a directory of the service's, out of the build's reach: another site's pages, a root-only
    // file
    Path outside = tmp.resolve("outside");
    Files.createDirectories(outside.resolve("public"));
    Files.writeString(outside.resolve("public/index.html"), "<script src=\"app.js\"></script>\n");
    Files.writeString(outside.resolve("public/app.js"), "var a = 1;\n");
    secret(outside.resolve("public/secret.txt"), "root only");
    // no Sass, minify or exclude: the swapped tree reaches the fingerprint step as it is
    repo.write(
        "tarmac.yml",
        "app: shop\n"
            + "build:\n"
            + "  commands: ['cd .. && mv tree tree.real && ln -s "
            + outside
            + " tree || true']\n"
            + "  fingerprint: { root: public, include: [\"**\"], rewrite_html: true }\n"
            + "environments:\n"
            + "  demo:\n"
            + "    deploy_to: /srv/shop\n"
            + "    hosts: [{ name: a, address: local }]\n");
    repo.commitAndTag("swap the tree", "v2.0.0");

    try {
      build(builder(), "v2.0.0", tmp.resolve("build.log"));
    } catch (BuildException e) {
      // refusing the build is right; what matters is below
    }

    try (var files = Files.list(outside.resolve("public"))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrder("index.html", "app.js", "secret.txt");
    }
    assertThat(outside.resolve("public/index.html")).hasContent("<script src=\"app.js\"></script>");
  }

  @Test
  void sassNeverRunsFromAPlaceABuildOrALocalUserCanWrite() throws Exception {
    // where the Sass library extracts Dart Sass (java.io.tmpdir), reusing a directory not empty
    java.lang.reflect.Method target =
        de.larsgrefer.sass.embedded.connection.DartSassPackageProvider.class.getDeclaredMethod(
            "getTargetPath");
    target.setAccessible(true);
    Path dir =
        (Path) target.invoke(new de.larsgrefer.sass.embedded.connection.BundledPackageProvider());
    Path ran = tmp.resolve("planted-sass-ran");
    dev.tarmac.builder.workspace.TreeFiles.deleteRecursively(dir);
    Path planted = dir.resolve("dart-sass/sass");
    Files.createDirectories(planted.getParent());
    Files.writeString(planted, "#!/bin/sh\nid -u > " + ran + "\nexit 1\n");
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
    try {
      build(builder(), "v1.0.0", tmp.resolve("build.log"));
    } finally {
      dev.tarmac.builder.workspace.TreeFiles.deleteRecursively(dir);
    }

    assertThat(ran).doesNotExist();
    assertThat(artifact("v1.0.0").get("public/css/main.css").text()).contains("color:");
  }

  @Test
  void sassReadsOnlyWhatTheBuildCouldAStylesheetLinkedToARootOnlyFileTellsNothingOfIt()
      throws Exception {
    Path secret = tmp.resolve("root-only.scss");
    Files.writeString(secret, "\n\n   TOPSECRET {{{ not sass\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Files.delete(repo.dir().resolve("assets/scss/main.scss"));
    Files.createSymbolicLink(repo.dir().resolve("assets/scss/main.scss"), secret);
    repo.commitAndTag("a stylesheet that is a root-only file", "v2.0.0");

    assertThatThrownBy(() -> build(builder(), "v2.0.0", tmp.resolve("build.log")))
        .isInstanceOf(BuildException.class)
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .doesNotContain("TOPSECRET")
                    .doesNotContain(secret + ":3")
                    .doesNotContain("expected"));
  }

  @Test
  void aFifoInTheTreeIsRefusedBeforeAnyStepOpensIt() throws Exception {
    repo.write("assets/scss/main.scss", "@import \"p\";\n.a { color: red; }\n");
    commands("v2.0.0", null, "mkfifo assets/scss/_p.scss");

    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(60),
        () ->
            assertThatThrownBy(() -> build(builder(), "v2.0.0", tmp.resolve("build.log")))
                .isInstanceOf(BuildException.class)
                .hasMessageContaining(
                    "build.commands left a FIFO, socket or device (or a link to one) in the tree:"
                        + " assets/scss/_p.scss"));
  }

  @Test
  void sassThatNeverEndsIsEndedAtTheBuildTimeoutWithNothingLeft() throws Exception {
    repo.write("assets/scss/main.scss", "$i: 0;\n@while $i < 1 { $j: 1; }\n");
    commands("v2.0.0", "3s", "true");

    assertThatThrownBy(() -> build(builder(), "v2.0.0", tmp.resolve("build.log")))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining(
            "compile sass: build.sass[0] (assets/scss/main.scss) did not finish within"
                + " build.timeout (3s)");
    for (int uid = UidRange.DEFAULT.first(); uid <= UidRange.DEFAULT.last(); uid++) {
      assertThat(BuildUids.livingProcesses(uid)).as("processes of build uid " + uid).isEmpty();
    }
  }

  @Test
  void oneBuildCannotWriteIntoAnotherBuildRunningAtTheSameTime() throws Exception {
    SampleRepo other = new SampleRepo(tmp.resolve("blog"));
    other.write(
        "tarmac.yml",
        SampleRepo.TARMAC_YML
            .replace("app: shop", "app: blog")
            .replaceFirst(
                "  commands: \\[.*\\]\n", "  commands: ['echo clean > victim.txt; sleep 4']\n"));
    other.commitAndTag("blog", "v1.0.1");
    // a daemon of the first build looks for the other build's tree through /proc/<pid>/cwd
    commands(
        "v2.0.0",
        null,
        "(setsid sh -c 'for i in $(seq 80); do for d in /proc/[0-9]*/cwd; do"
            + " [ -f \"$d/victim.txt\" ] && echo pwned >> \"$d/victim.txt\"; done; sleep 0.1;"
            + " done' > /dev/null 2>&1 &); sleep 6");
    Builder b = builder();
    var first =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> build(b, "v2.0.0", tmp.resolve("shop.log")));
    Thread.sleep(500);
    b.build(
        new BuildRequest("blog", other.url(), "v1.0.1", Instant.now()), tmp.resolve("blog.log"));
    first.get(60, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(
            Tarballs.read(store.get(StoreLayout.artifact("blog", "v1.0.1")))
                .get("victim.txt")
                .text())
        .isEqualTo("clean\n");
  }

  @Test
  void nothingABuildLeavesInTheMachinesSharedPlacesOutlivesIt() throws Exception {
    String mark = "tarmac-left-" + marker();
    commands(
        "v2.0.0",
        null,
        // one command: inside bubblewrap each command has /tmp of its own
        "id -u > uid.txt && mkdir -p /tmp/"
            + mark
            + "/in && touch /tmp/"
            + mark
            + "/in/f && chmod 000 /tmp/"
            + mark
            + "/in /tmp/"
            + mark
            + " && touch /var/tmp/"
            + mark
            + " /dev/shm/"
            + mark
            + " && (mkdir /run/lock/"
            + mark
            + " 2>/dev/null || true) && ipcmk -M 4096 && ipcmk -Q && ipcmk -S 1");
    build(builder(), "v2.0.0", tmp.resolve("build.log"));
    int uid = Integer.parseInt(artifact("v2.0.0").get("uid.txt").text().trim());
    assertThat(buildUid(Integer.toString(uid))).isTrue();

    for (String d : BuildSandbox.SHARED_DIRS) {
      assertThat(Path.of(d, mark)).as(d).doesNotExist();
    }
    for (String kind : List.of("shm", "msg", "sem")) {
      assertThat(BuildSandbox.ipcObjectsOf(uid, Path.of("/proc/sysvipc", kind)))
          .as("System V " + kind + " objects of build uid " + uid)
          .isEmpty();
    }
  }

  @Test
  void aHugeSparseFileFailsTheBuildBeforeAnyStepReadsIt() throws Exception {
    commands("v2.0.0", "60s", "truncate -s 1T public/huge.bin");
    long start = System.nanoTime();

    assertThatThrownBy(() -> build(builder(), "v2.0.0", tmp.resolve("build.log")))
        .isInstanceOf(BuildException.class)
        .hasMessageStartingWith("build.commands left 10995116")
        .hasMessageContaining("(the largest: public/huge.bin, 1099511627776 bytes)");
    assertThat((System.nanoTime() - start) / 1_000_000_000).isLessThan(30);
  }

  @Test
  void aBuildsUidHasAtMostItsShareOfProcesses() throws Exception {
    commands("v2.0.0", null, "grep \"Max processes\" /proc/self/limits > nproc.txt");
    build(builder(), "v2.0.0", tmp.resolve("build.log"));

    assertThat(artifact("v2.0.0").get("nproc.txt").text())
        .matches("Max processes +2048 +2048 +processes *\n");
  }

  /**
   * A build could take the machine's memory: nothing limited it per build (issue 21, second round).
   * Its processes are in a memory cgroup of their own ({@code tarmac.build.memory}); past it the
   * kernel ends a process of the build, and the build fails saying so.
   */
  @Test
  void aBuildThatTakesMoreThanItsMemoryIsKilledAndSaysSo() throws Exception {
    String allocate =
        "python3 -c \"a = [b'x' * (1 << 20) for _ in range(600)]; print('allocated')\"";
    commands("v2.0.0", null, "echo before", allocate);
    Builder limited =
        new Builder(
            store,
            dataDir,
            Clock.systemUTC(),
            BuildSandbox.Settings.defaults().withIsolation(isolation()).withMemory(256L << 20));
    Path log = tmp.resolve("build.log");
    long started = System.nanoTime();

    assertThatThrownBy(() -> build(limited, "v2.0.0", log))
        .isInstanceOf(BuildException.class)
        .hasMessageStartingWith(
            "build.commands[1] `"
                + allocate
                + "` was killed: it used more than 256 MiB (tarmac.build.memory); use less"
                + " memory, or ask the operator to raise tarmac.build.memory. Last output:\n")
        .satisfies(
            e ->
                assertThat(e.getMessage().substring(e.getMessage().indexOf("Last output:")))
                    .as("what the command printed before it was killed")
                    .doesNotContain("allocated"));
    assertThat(String.join("\n", Files.readAllLines(log).subList(0, 3)))
        .contains("; memory: at most 256 MiB per build (tarmac.build.memory; cgroup v");
    assertThat((System.nanoTime() - started) / 1_000_000_000).isLessThan(60);
    // the default: 4 GiB, and the same 600 MiB build passes
    build(builder(), "v2.0.0", tmp.resolve("build2.log"));
    assertThat(Files.readString(tmp.resolve("build2.log")))
        .contains("; memory: at most 4 GiB per build (tarmac.build.memory; cgroup v")
        .contains("allocated");
  }

  /**
   * Inside bubblewrap /tmp, /var/tmp and /dev/shm are tmpfs of the build's own: memory. Unbounded,
   * each could take half the machine's memory (12 GiB each on a 24 GiB machine), and what a tmpfs
   * holds belongs to no process: the OOM killer, short of memory, ends the largest processes (the
   * service, another build) while the pages stay. Each is bounded (hostile probe of 2026-12-07,
   * third round).
   */
  @Test
  void aBuildsOwnTmpDirectoriesCannotTakeTheMachinesMemory() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        namespaces(), "without namespaces the build shares the machine's /tmp and /dev/shm");
    commands("v2.0.0", null, "df -B1M --output=size /tmp /var/tmp /dev/shm | tail -n +2 > df.txt");
    build(builder(), "v2.0.0", tmp.resolve("build.log"));

    String[] sizes = artifact("v2.0.0").get("df.txt").text().strip().split("\n");
    assertThat(sizes).hasSize(3);
    for (String mib : sizes) {
      assertThat(Long.parseLong(mib.trim())).as("MiB of a build's tmpfs").isLessThanOrEqualTo(1024);
    }
  }

  /**
   * The kernel keeps a keyring per uid (the user keyring, {@code @u}, with {@code @us} and a
   * persistent one) that outlives every process of the uid; setpriv and bubblewrap (without a user
   * namespace) share it. Build uids are taken again by later builds, of any app: what one build put
   * there, the next build of that uid read (hostile probe of 2026-12-07, third round, both modes).
   * Each command now has a user namespace of its own, whose keyrings go with it.
   */
  @Test
  void whatABuildPutsInTheKernelsKeyringsIsNotThereForTheNextBuild() throws Exception {
    String mark = "tarmac-key-" + marker();
    commands(
        "v2.0.0",
        null,
        // linked into the session keyring, @u's keys are the command's own (possessed): it may
        // open them to every user of the machine
        "keyctl link @u @s && keyctl add user "
            + mark
            + " secret-of-the-first-build @u > key.txt && k=$(cat key.txt)"
            + " && (keyctl setperm $k 0x3f3f3f3f; keyctl link $k @us;"
            + " keyctl link $k $(keyctl get_persistent @s); keyctl setperm @u 0x3f3f3f3f;"
            + " true) && keyctl print $k > seen.txt");
    build(builder(), "v2.0.0", tmp.resolve("build.log"));
    String key = artifact("v2.0.0").get("key.txt").text().trim();
    assertThat(artifact("v2.0.0").get("seen.txt").text())
        .as("the first build reads its own key")
        .contains("secret-of-the-first-build");

    commands(
        "v2.0.1",
        null,
        "(keyctl link @u @s; keyctl link @us @s; keyctl print "
            + key
            + "; keyctl print %user:"
            + mark
            + "; keyctl show @u; keyctl show @us; keyctl show $(keyctl get_persistent @s);"
            + " grep "
            + mark
            + " /proc/keys) > found.txt 2>&1 || true");
    build(builder(), "v2.0.1", tmp.resolve("build2.log"));

    assertThat(artifact("v2.0.1").get("found.txt").text())
        .as("what the second build found in its uid's keyrings")
        .doesNotContain("secret-of-the-first-build")
        .doesNotContain("user: " + mark)
        .doesNotContain(mark + ": ");
  }

  /**
   * POSIX message queues live in the IPC namespace, not in a directory: with setpriv (no
   * namespaces) one that a build made outlived it and was there for the next build (hostile probe
   * of 2026-12-07, third round), where System V IPC objects are removed.
   */
  @Test
  void aPosixMessageQueueABuildMadeDoesNotOutliveIt() throws Exception {
    String name = "/tarmac-mq-" + marker();
    commands(
        "v2.0.0",
        null,
        "python3 -c \"import ctypes,os; l=ctypes.CDLL(None); print(l.mq_open(b'"
            + name
            + "', os.O_CREAT | os.O_RDWR, 0o666, None))\" > mq.txt");
    build(builder(), "v2.0.0", tmp.resolve("build.log"));
    assertThat(Integer.parseInt(artifact("v2.0.0").get("mq.txt").text().trim()))
        .as("the build made its queue")
        .isNotNegative();

    Process p =
        new ProcessBuilder(
                "python3",
                "-c",
                "import ctypes,os; l=ctypes.CDLL(None); fd=l.mq_open(b'"
                    + name
                    + "', os.O_RDONLY); print(fd); fd >= 0 and l.mq_unlink(b'"
                    + name
                    + "')")
            .redirectErrorStream(true)
            .start();
    String fd = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    assertThat(Integer.parseInt(fd))
        .as("the queue " + name + " opened by the machine after the build (-1: gone)")
        .isNegative();
  }

  /** The isolation this class tests ({@link #builder()}'s). */
  BuildSandbox.Isolation isolation() {
    return BuildSandbox.Isolation.AUTO;
  }

  /**
   * The default sandbox dir is {@code /tmp/tarmac-build}: a build's directory there is owned by its
   * uid. With setpriv the clean-up of what the uid left in /tmp ran before the tree was given back,
   * removed the build's own directory with its tree, and every build failed at {@code exclude}
   * ("cannot list …/tree"): setpriv mode failed every build of a service run with the defaults
   * (hostile probe of 2026-12-07, third round).
   */
  @Test
  void aBuildWhoseSandboxDirIsUnderTmpKeepsItsTree() throws Exception {
    Path root = Path.of("/tmp", "tarmac-sandbox-" + marker());
    try {
      Builder b =
          new Builder(
              store,
              dataDir,
              Clock.systemUTC(),
              new BuildSandbox.Settings(isolation(), "tarmac-build", root, List.of()));
      commands("v2.0.0", null, "echo built > built.txt");
      BuildResult r = build(b, "v2.0.0", tmp.resolve("build.log"));

      assertThat(r.record().version()).isEqualTo("v2.0.0");
      assertThat(artifact("v2.0.0").get("built.txt").text()).isEqualTo("built\n");
    } finally {
      new ProcessBuilder("rm", "-rf", root.toString()).start().waitFor();
    }
  }

  static String marker() {
    return String.valueOf(100000 + (System.nanoTime() % 800000));
  }

  /** No process whose command line holds {@code mark} is alive (waits up to 3 s for the kill). */
  void assertNoneLeft(String mark) throws InterruptedException {
    List<ProcessHandle> alive = List.of();
    for (int i = 0; i < 30; i++) {
      alive =
          ProcessHandle.allProcesses()
              .filter(ProcessHandle::isAlive)
              .filter(p -> p.info().commandLine().orElse("").contains("1000." + mark))
              .toList();
      if (alive.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    leftovers.addAll(alive);
    assertThat(alive.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("")))
        .as("processes the build started that are still alive")
        .isEmpty();
  }

  static Map<String, String> parseEnv(String text) {
    return Arrays.stream(text.split("\n"))
        .filter(l -> l.contains("="))
        .collect(
            Collectors.toMap(
                l -> l.substring(0, l.indexOf('=')),
                l -> l.substring(l.indexOf('=') + 1),
                (a, b) -> b));
  }
}
