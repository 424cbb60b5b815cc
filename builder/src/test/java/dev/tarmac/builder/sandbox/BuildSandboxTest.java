package dev.tarmac.builder.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.builder.workspace.BuildException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox itself: what happens when the service dies, where it refuses to work. */
class BuildSandboxTest {
  @TempDir Path tmp;
  final List<ProcessHandle> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    started.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
    started.forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void anAppsBuildsRunInOnePathEachWhileAloneAndInAnotherWhenOneAlreadyRuns() throws Exception {
    Path first = BuildSandbox.slot(tmp, "0a1b2c3d-shop-");
    Path second = BuildSandbox.slot(tmp, "0a1b2c3d-shop-");
    Files.delete(first);
    Path third = BuildSandbox.slot(tmp, "0a1b2c3d-shop-");

    assertThat(first).isEqualTo(tmp.resolve("0a1b2c3d-shop-0"));
    assertThat(second).isEqualTo(tmp.resolve("0a1b2c3d-shop-1"));
    assertThat(third).as("the first one's path again, once it is gone").isEqualTo(first);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first)))
        .isEqualTo("rwx------");
    for (int n = 2; n < BuildSandbox.SLOTS; n++) {
      BuildSandbox.slot(tmp, "0a1b2c3d-shop-");
    }
    assertThat(BuildSandbox.slot(tmp, "0a1b2c3d-shop-").getFileName().toString())
        .startsWith("0a1b2c3d-shop-")
        .isNotIn("0a1b2c3d-shop-0", "0a1b2c3d-shop-1");
  }

  @Test
  void theBuildsProcessesDieWithTheService() throws Exception {
    Path tree = tmp.resolve("work/tree");
    Files.createDirectories(tree);
    BuildSandbox sandbox = new BuildSandbox(BuildSandbox.Settings.defaults(), tmp.resolve("data"));
    String mark = BuildIsolationTest.marker();
    try (BuildSandbox.Session session = sandbox.open("shop-v1", tree)) {
      ProcessBuilder build =
          session.command(
              "(setsid sleep 1000." + mark + "1 &); sleep 1000." + mark + "2", Map.of());
      // the "service": a process that starts the build as Tarmac does, then is killed with -9
      Process p = startUnder(List.of("sh", "-c", "\"$@\" & wait", "service"), build);
      waitFor(mark, 2);

      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);

      assertThat(alive(mark, 30)).as("build processes alive after the service died").isEmpty();
    }
    assertThat(tree.resolve("..")).isDirectory();
    assertThat(tree).isDirectory();
  }

  /**
   * A service started in a session keyring of its own (systemd gives every service one) passed it
   * to every build command through setpriv and bubblewrap: a build read the keys in it and could
   * add keys that the next build, of any uid, read (hostile probe, fourth round). Both modes.
   */
  @Test
  void aBuildCommandGetsAFreshSessionKeyringNotTheServices() throws Exception {
    for (BuildSandbox.Isolation isolation :
        List.of(BuildSandbox.Isolation.AUTO, BuildSandbox.Isolation.USER)) {
      Path tree = tmp.resolve(isolation + "/work/tree");
      Files.createDirectories(tree);
      BuildSandbox sandbox =
          new BuildSandbox(
              BuildSandbox.Settings.defaults().withIsolation(isolation),
              tmp.resolve(isolation + "/data"));
      try (BuildSandbox.Session session = sandbox.open("shop-v1", tree)) {
        ProcessBuilder build =
            session.command(
                "keyctl print %user:tarmac-service-key; keyctl add user planted x @s; echo end",
                Map.of());
        // the "service": a session keyring with a key in it, then the build command
        Process p =
            startUnder(
                List.of(
                    "keyctl",
                    "session",
                    "-",
                    "sh",
                    "-c",
                    "keyctl add user tarmac-service-key service-secret @s >/dev/null && \"$@\";"
                        + " keyctl show @s",
                    "service"),
                build);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String all = new String(p.getInputStream().readAllBytes()).trim();
        // the first line is the "service"'s own keyctl session
        assertThat(all).startsWith("Joined session keyring: ");
        String out = all.substring(all.indexOf('\n') + 1);
        assertThat(out)
            .as(isolation + ": what the build command and then the service saw")
            .contains("Can't find 'user:tarmac-service-key'")
            .contains("end")
            .doesNotContain("service-secret")
            .doesNotContain("planted")
            // keyctl's own line is not in the build's output
            .doesNotContain("Joined session keyring");
        assertThat(out).as(isolation.toString()).contains("user: tarmac-service-key");
      }
    }
  }

  /** Starts {@code build} (a command of a session) under {@code parent}, as the service would. */
  private Process startUnder(List<String> parent, ProcessBuilder build) throws Exception {
    List<String> argv = new ArrayList<>(parent);
    argv.addAll(build.command());
    ProcessBuilder service = new ProcessBuilder(argv).directory(build.directory());
    service.environment().clear();
    service.environment().putAll(build.environment());
    Process p = service.redirectErrorStream(true).start();
    started.add(p.toHandle());
    return p;
  }

  @Test
  void theBubblewrapCommandLine() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Path hideMe = tmp.resolve("etc-tarmac");
    Files.createDirectories(hideMe);
    BuildSandbox sandbox =
        new BuildSandbox(
            new BuildSandbox.Settings(
                BuildSandbox.Isolation.AUTO,
                "tarmac-build",
                Path.of("/var/tmp/tarmac-build"),
                List.of(hideMe)),
            data);
    Path dir = Path.of("/var/tmp/tarmac-build/0a1b2c3d-shop-v1-42");

    List<String> argv =
        sandbox.bwrapArgv(
            List.of(),
            dir,
            dir.resolve("tree"),
            700003,
            700003,
            List.of("/var/tmp/tarmac-build/tools", "/var/tmp/tarmac-build/tools"),
            List.of("sh", "-c", "npm ci"));

    assertThat(argv.subList(0, 14))
        .containsExactly(
            "bwrap",
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--perms",
            "1777",
            "--size",
            "1073741824",
            "--tmpfs",
            "/tmp");
    assertThat(argv)
        .containsSubsequence("--perms", "1777", "--size", "1073741824", "--tmpfs", "/var/tmp");
    assertThat(String.join(" ", argv))
        .endsWith(
            " --perms 1777 --size 1073741824 --tmpfs /dev/shm"
                // the directories leading to the sandbox under a hidden path stay crossable
                + " --perms 0755 --dir /var/tmp/tarmac-build"
                // the tools, read-only, and only this build's own directory of the sandbox dir
                + " --ro-bind /var/tmp/tarmac-build/tools /var/tmp/tarmac-build/tools"
                + " --bind "
                + dir
                + " "
                + dir
                + " --chdir "
                + dir
                + "/tree --unshare-pid --unshare-ipc --unshare-uts --hostname tarmac-build"
                + " --die-with-parent --new-session --"
                + " prlimit --nproc=2048 --"
                + " setpriv --reuid=700003 --regid=700003 --clear-groups --inh-caps=-all"
                + " --bounding-set=-all --no-new-privs --"
                + " unshare --user --map-current-user --"
                + " sh -c exec 3>&2 2>/dev/null; exec keyctl session - sh -c 'exec 2>&3 3>&-;"
                + " exec \"$@\"' sh \"$@\" sh"
                + " sh -c npm ci");
    assertThat(argv).doesNotContain("--unshare-net", "--share-net");
    // the data dir, the service's home and tarmac.build.hide are hidden (or inside what is)
    List<Path> hidden = sandbox.hidden();
    for (Path p :
        List.of(data.toRealPath(), hideMe.toRealPath(), Path.of(System.getProperty("user.home")))) {
      assertThat(hidden).as(p.toString()).anyMatch(p::startsWith);
      assertThat(argv)
          .containsSubsequence(
              "--tmpfs",
              hidden.stream().filter(p::startsWith).findFirst().orElseThrow().toString());
    }
  }

  @Test
  void aSandboxDirInsideTheDataDirIsRefused() {
    Path data = tmp.resolve("data");
    BuildSandbox.Settings inside =
        new BuildSandbox.Settings(
            BuildSandbox.Isolation.AUTO, "tarmac-build", data.resolve("sandbox"), List.of());

    assertThatThrownBy(() -> new BuildSandbox(inside, data))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tarmac.build.sandbox-dir")
        .hasMessageContaining("must not contain each other");
  }

  @Test
  void aSandboxDirOthersCanWriteIsRefused() throws Exception {
    Path root = tmp.resolve("shared");
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
    BuildSandbox sandbox =
        new BuildSandbox(
            new BuildSandbox.Settings(BuildSandbox.Isolation.AUTO, "tarmac-build", root, List.of()),
            tmp.resolve("data"));
    Path tree = tmp.resolve("work/tree");
    Files.createDirectories(tree);

    assertThatThrownBy(() -> sandbox.open("shop-v1", tree))
        .isInstanceOf(BuildException.class)
        .hasMessageContaining("tarmac.build.sandbox-dir " + root)
        .hasMessageContaining("that no one else can write");
    assertThat(tree).isDirectory();
  }

  @Test
  void anUnknownIsolationSettingIsNamed() {
    assertThatThrownBy(
            () ->
                BuildSandbox.Settings.parse(
                    Optional.of("chroot"), Optional.empty(), Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tarmac.build.isolation is 'chroot'; expected auto (the default), bwrap, user or none");
    assertThatThrownBy(
            () ->
                BuildSandbox.Settings.parse(
                    Optional.empty(), Optional.of("Root;"), Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tarmac.build.user is 'Root;'");
  }

  @Test
  void theBuildMemorySettingTakesSizesAndNamesWhatItCannotTake() {
    assertThat(BuildSandbox.Settings.defaults().memory()).isEqualTo(4L << 30);
    assertThat(memory("512MiB").memory()).isEqualTo(512L << 20);
    assertThat(memory("2G").memory()).isEqualTo(2L << 30);
    assertThat(memory(" 8 GiB ").memory()).isEqualTo(8L << 30);
    assertThat(memory("1073741824").memory()).isEqualTo(1L << 30);
    assertThatThrownBy(() -> memory("lots"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tarmac.build.memory is 'lots'; expected a size such as 4GiB (the default) or 512MiB");
    assertThatThrownBy(() -> memory("9999999999999T"))
        .hasMessageStartingWith("tarmac.build.memory is '9999999999999T'; expected a size");
    assertThatThrownBy(() -> memory("1MiB"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tarmac.build.memory is 1048576 bytes; expected at least 64MiB (the default is 4GiB)");
    assertThat(BuildCgroup.describe(4L << 30)).isEqualTo("4 GiB");
    assertThat(BuildCgroup.describe(1536L << 20)).isEqualTo("1536 MiB");
  }

  /** The command that puts a process in its build's cgroup, before anything of the build runs. */
  @Test
  void aCommandEntersItsBuildsCgroupFirst() throws Exception {
    BuildCgroup.Place place = BuildCgroup.find();
    org.junit.jupiter.api.Assumptions.assumeTrue(place.works(), place.problem());
    BuildCgroup cgroup = BuildCgroup.make(place, 700254, 256L << 20);
    try {
      assertThat(cgroup.enter())
          .containsExactly(
              "sh",
              "-c",
              "echo $$ > \"$0\" && exec \"$@\"",
              cgroup.dir().resolve("cgroup.procs").toString());
      assertThat(cgroup.dir().getFileName().toString()).isEqualTo("tarmac-build-700254");
      assertThat(cgroup.oomKills()).isZero();
    } finally {
      cgroup.remove();
    }
    assertThat(cgroup.dir()).doesNotExist();
  }

  private static BuildSandbox.Settings memory(String value) {
    return BuildSandbox.Settings.parse(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.of(value));
  }

  private static void waitFor(String mark, int count) throws InterruptedException {
    for (int i = 0; i < 100 && alive(mark, 0).size() < count; i++) {
      Thread.sleep(50);
    }
    assertThat(alive(mark, 0)).as("the build's processes started").hasSize(count);
  }

  /** Processes whose command line holds the mark, after waiting up to {@code tries} × 100 ms. */
  private static List<ProcessHandle> alive(String mark, int tries) throws InterruptedException {
    List<ProcessHandle> found = List.of();
    for (int i = 0; i <= tries; i++) {
      found =
          ProcessHandle.allProcesses()
              .filter(ProcessHandle::isAlive)
              .filter(h -> h.info().command().orElse("").endsWith("sleep"))
              .filter(h -> h.info().commandLine().orElse("").contains("sleep 1000." + mark))
              .toList();
      if (found.isEmpty() || tries == 0) {
        return found;
      }
      Thread.sleep(100);
    }
    return found;
  }
}
