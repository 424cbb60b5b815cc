package dev.tarmac.builder.sandbox;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.files.Owned;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Where, as whom and with what the app's build commands run (docs/architecture.md, "Build
 * isolation"): a fresh directory per build outside the data dir, owned by an unprivileged build
 * user, a clean environment, and — where bubblewrap works — new PID, IPC, UTS and mount namespaces
 * in which the data dir, the service's home and working directory are hidden. The network is
 * shared: {@code npm ci} and {@code composer install} must work.
 *
 * <p>What is in force is decided once, at the first build, and written at the top of every build
 * log ({@link #describe()}).
 */
public final class BuildSandbox {
  /** {@code tarmac.build.isolation}: what to use; {@code auto} takes the strongest that works. */
  public enum Isolation {
    AUTO,
    BWRAP,
    USER,
    NONE
  }

  private static final Pattern USER_NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
  private static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /**
   * The settings ({@code tarmac.build.*}): isolation, build user, where sandboxes go, extra paths
   * to hide from builds.
   */
  public record Settings(
      Isolation isolation, String user, Path root, List<Path> hide, UidRange uids, long memory) {
    /** {@code tarmac.build.memory} by default: the most a build's processes may hold at once. */
    public static final long DEFAULT_MEMORY = 4L << 30;

    /** The least {@code tarmac.build.memory} may be: a JVM or Node alone needs about as much. */
    static final long MIN_MEMORY = 64L << 20;

    public Settings {
      if (memory < MIN_MEMORY) {
        throw new IllegalArgumentException(
            "tarmac.build.memory is "
                + memory
                + " bytes; expected at least 64MiB (the default is 4GiB)");
      }
      if (!USER_NAME.matcher(user).matches()) {
        throw new IllegalArgumentException(
            "tarmac.build.user is '" + user + "'; expected a user name such as tarmac-build");
      }
      if (!root.isAbsolute()) {
        throw new IllegalArgumentException(
            "tarmac.build.sandbox-dir is '" + root + "'; expected an absolute path");
      }
      hide = List.copyOf(hide);
    }

    public Settings(Isolation isolation, String user, Path root, List<Path> hide) {
      this(isolation, user, root, hide, UidRange.DEFAULT);
    }

    public Settings(Isolation isolation, String user, Path root, List<Path> hide, UidRange uids) {
      this(isolation, user, root, hide, uids, DEFAULT_MEMORY);
    }

    public static Settings defaults() {
      return new Settings(
          Isolation.AUTO,
          "tarmac-build",
          Path.of(System.getProperty("java.io.tmpdir"), "tarmac-build").toAbsolutePath(),
          List.of());
    }

    public Settings withIsolation(Isolation isolation) {
      return new Settings(isolation, user, root, hide, uids, memory);
    }

    public Settings withMemory(long bytes) {
      return new Settings(isolation, user, root, hide, uids, bytes);
    }

    /** The settings from their property values; a missing one takes its default. */
    static Settings parse(
        Optional<String> isolation,
        Optional<String> user,
        Optional<String> sandboxDir,
        Optional<String> hide) {
      return parse(isolation, user, sandboxDir, hide, Optional.empty());
    }

    static Settings parse(
        Optional<String> isolation,
        Optional<String> user,
        Optional<String> sandboxDir,
        Optional<String> hide,
        Optional<String> uids) {
      return parse(isolation, user, sandboxDir, hide, uids, Optional.empty());
    }

    /** The settings from the service's {@code tarmac.build.*} values (ServiceConfig#sandbox). */
    public static Settings parse(
        Optional<String> isolation,
        Optional<String> user,
        Optional<String> sandboxDir,
        Optional<String> hide,
        Optional<String> uids,
        Optional<String> memory) {
      Settings d = defaults();
      Isolation chosen = Isolation.AUTO;
      if (isolation.isPresent()) {
        try {
          chosen = Isolation.valueOf(isolation.get().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "tarmac.build.isolation is '"
                  + isolation.get()
                  + "'; expected auto (the default), bwrap, user or none");
        }
      }
      List<Path> hidden = new ArrayList<>();
      hide.ifPresent(
          v ->
              Arrays.stream(v.split(","))
                  .map(String::trim)
                  .filter(s -> !s.isEmpty())
                  .forEach(s -> hidden.add(Path.of(s))));
      return new Settings(
          chosen,
          user.orElse(d.user()),
          sandboxDir.map(Path::of).orElse(d.root()),
          hidden,
          uids.map(UidRange::parse).orElse(UidRange.DEFAULT),
          memory
              .map(
                  m ->
                      BuildCgroup.parseSize(m)
                          .orElseThrow(
                              () ->
                                  new IllegalArgumentException(
                                      "tarmac.build.memory is '"
                                          + m
                                          + "'; expected a size such as 4GiB (the default) or"
                                          + " 512MiB")))
              .orElse(DEFAULT_MEMORY));
    }
  }

  /**
   * The isolation in force: bubblewrap or not, and whether each build gets a uid of its own (the
   * service is root and isolation is not {@code none}).
   */
  record InForce(
      boolean bwrap,
      List<String> bwrapExtra,
      boolean ownUid,
      String description,
      BuildCgroup.Place memory) {
    InForce(boolean bwrap, List<String> bwrapExtra, boolean ownUid, String description) {
      this(bwrap, bwrapExtra, ownUid, description, BuildCgroup.Place.none("no uid of its own"));
    }

    /** The same, with the build memory limit found ({@link BuildCgroup#find()}) and said. */
    InForce withMemory(BuildCgroup.Place place, long bytes) {
      return new InForce(
          bwrap,
          bwrapExtra,
          ownUid,
          description
              + (place.works()
                  ? "; memory: at most "
                      + BuildCgroup.describe(bytes)
                      + " per build (tarmac.build.memory; cgroup "
                      + (place.v2() ? "v2" : "v1")
                      + " below "
                      + place.base()
                      + ")"
                  : "; memory: NOT limited per build (tarmac.build.memory): "
                      + place.problem()
                      + "; a build can take the machine's memory"),
          place);
    }
  }

  private final Settings settings;
  private final Path dataDir;
  private final String prefix;
  private final BuildUids uids;
  private final BuildTools tools;
  private InForce inForce;

  public BuildSandbox(Settings settings, Path dataDir) {
    this.settings = settings;
    this.dataDir = dataDir.toAbsolutePath().normalize();
    Path root = settings.root().normalize();
    if (root.startsWith(this.dataDir) || this.dataDir.startsWith(root)) {
      throw new IllegalArgumentException(
          "tarmac.build.sandbox-dir ("
              + root
              + ") and tarmac.data-dir ("
              + this.dataDir
              + ") must not contain each other: builds must not reach the data dir. Set tarmac.build.sandbox-dir to a directory such as /var/tmp/tarmac-build");
    }
    // sandboxes of this data dir carry its mark, so that cleaning after a crash touches only them
    this.prefix =
        dev.tarmac.distributor.store.Hashing.sha256Hex(
                this.dataDir.toString().getBytes(StandardCharsets.UTF_8))
            .substring(0, 8);
    this.uids = new BuildUids(settings.uids());
    // one copy per sandbox dir, whatever the data dir (a local build's is a fresh temp dir):
    // named by content, so every service of this user shares it
    this.tools = new BuildTools(root.resolve("tools"));
  }

  /**
   * The living processes of {@code uid} (a build's, say): what a cancel or an end must leave none
   * of.
   */
  public static List<Integer> processesOf(int uid) {
    return BuildUids.livingProcesses(uid);
  }

  /** One line saying what isolation the build commands get (the build log's second line). */
  public String describe() {
    return inForce().description();
  }

  /** Decides (once) what isolation is in force: probes bubblewrap; refuses what was not chosen. */
  public synchronized InForce inForce() {
    if (inForce == null) {
      InForce found = detect();
      inForce =
          found.ownUid()
              ? found.withMemory(BuildCgroup.find(), settings.memory())
              : found.withMemory(
                  BuildCgroup.Place.none("the service is not root"), settings.memory());
    }
    return inForce;
  }

  private InForce detect() {
    boolean root = ownUid() == 0;
    Isolation wanted = settings.isolation();
    if (wanted == Isolation.NONE) {
      return new InForce(
          false,
          List.of(),
          false,
          "none (tarmac.build.isolation=none), as the service's own user (uid "
              + ownUid()
              + ") with a clean environment in their own directory; they can read every file the service can");
    }
    if (wanted == Isolation.USER && !root) {
      throw new BuildException(
          "tarmac.build.isolation=user needs the service to run as root (to give each build a uid"
              + " of its own); run it as root, or install bubblewrap and set tarmac.build.isolation"
              + " to auto");
    }
    String who =
        root
            ? "as a uid of its own per build (tarmac.build.uids " + settings.uids() + ")"
            : "as the service's own user (uid "
                + ownUid()
                + "; the service is not root, so it cannot give builds uids of their own)";
    if (root) {
      String problem = probeKeyrings(settings.uids().first());
      if (problem != null) {
        throw new BuildException(
            "builds run each command in a user namespace of its own with a fresh session keyring"
                + " (so that no build reads what an earlier build of its uid left in the kernel's"
                + " keyrings), and that does not work here: "
                + problem
                + ". Install keyutils (Debian: apt-get install keyutils) and allow unprivileged"
                + " user namespaces (sysctl user.max_user_namespaces above 0; on older Debian"
                + " kernels also kernel.unprivileged_userns_clone=1)");
      }
    }
    String bwrapProblem = "";
    if (wanted != Isolation.USER) {
      List<List<String>> tries =
          root ? List.of(List.of()) : List.of(List.of(), List.of("--unshare-user"));
      for (List<String> extra : tries) {
        String problem = probeBwrap(extra, root ? settings.uids().first() : null);
        if (problem == null) {
          return new InForce(
              true,
              extra,
              root,
              "bubblewrap, "
                  + who
                  + ": new PID, IPC, UTS and mount namespaces (the service's processes are not visible), "
                  + "the data dir, the sandbox dir, the service's home and working directory hidden, "
                  + "/ read-only, network shared; every process ends with the build");
        }
        bwrapProblem = problem;
      }
      throw new BuildException(
          "builds need bubblewrap (tarmac.build.isolation="
              + wanted.name().toLowerCase(Locale.ROOT)
              + ") and it does not work here: "
              + bwrapProblem
              + ". Install it (Debian: apt-get install bubblewrap); or, knowing that a build then"
              + " sees the service's processes and every world-readable file, set"
              + " tarmac.build.isolation=user (root: a uid of its own per build, no namespaces) or"
              + " none (the service's own user)");
    }
    restrictDataDir();
    return new InForce(
        false,
        List.of(),
        true,
        "setpriv (tarmac.build.isolation=user), "
            + who
            + ", no namespaces: the data dir is closed to it (mode 700) but it can see the service's"
            + " processes and read world-readable files; every process of its uid ends with the"
            + " build. Install bubblewrap for more");
  }

  /**
   * Null when {@code keyctl} is there and a command of build uid {@code uid} gets its own user
   * namespace and session keyring ({@link #OWN_KEYRINGS}); otherwise why not.
   */
  static String probeKeyrings(int uid) {
    List<List<String>> tries = new ArrayList<>();
    tries.add(List.of("keyctl", "--version"));
    List<String> own = new ArrayList<>(setpriv(uid, uid));
    own.addAll(OWN_KEYRINGS);
    own.addAll(List.of("keyctl", "rdescribe", "@s"));
    tries.add(own);
    for (List<String> argv : tries) {
      try {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return String.join(" ", argv) + " did not finish in 20 s";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
          return String.join(" ", argv.subList(0, 2))
              + (argv.size() > 2 ? " …" : "")
              + " exited with "
              + p.exitValue()
              + (out.isEmpty() ? "" : ": " + out);
        }
      } catch (IOException e) {
        return argv.get(0) + " not found or not runnable (" + e.getMessage() + ")";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    return null;
  }

  /** Null when bubblewrap runs a command as it would run a build; otherwise why not. */
  private String probeBwrap(List<String> extra, Integer uid) {
    try {
      Path probe = Files.createTempDirectory(rootDir(), prefix + "-probe-");
      try {
        List<String> argv =
            bwrapArgv(extra, probe, probe, uid, uid, List.of(), List.of("sh", "-c", "exit 0"));
        ProcessBuilder b = new ProcessBuilder(argv).redirectErrorStream(true);
        b.environment().clear();
        b.environment().put("PATH", path());
        Process p = b.start();
        p.getOutputStream().close();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return "bwrap did not finish a trivial command in 20 s";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : "bwrap exited with " + p.exitValue() + ": " + out;
      } finally {
        TreeFiles.deleteRecursively(probe);
      }
    } catch (IOException e) {
      return "bwrap not found or not runnable (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * The bubblewrap command line for {@code command}, run in {@code cwd} inside the sandbox {@code
   * dir}; {@code binds} are extra {@code --ro-bind} arguments (source, destination, ...).
   */
  List<String> bwrapArgv(
      List<String> extra,
      Path dir,
      Path cwd,
      Integer uid,
      Integer gid,
      List<String> binds,
      List<String> command) {
    List<String> argv = new ArrayList<>(List.of("bwrap"));
    argv.addAll(extra);
    argv.addAll(List.of("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"));
    for (Path p : hidden()) {
      boolean shared = p.equals(Path.of("/tmp")) || p.equals(Path.of("/var/tmp"));
      if (shared) {
        argv.addAll(List.of("--perms", "1777"));
      }
      argv.addAll(List.of("--size", Long.toString(TMPFS_BYTES), "--tmpfs", p.toString()));
    }
    argv.addAll(
        List.of("--perms", "1777", "--size", Long.toString(TMPFS_BYTES), "--tmpfs", "/dev/shm"));
    // the sandbox may lie under a hidden path (the service's working directory): bubblewrap would
    // make the directories leading to it mode 700 (root's), which the build user cannot cross
    List<Path> leading = new ArrayList<>();
    for (Path a = dir.getParent(); a != null; a = a.getParent()) {
      Path ancestor = a;
      if (hidden().stream().anyMatch(h -> ancestor.startsWith(h) && !ancestor.equals(h))) {
        leading.add(0, ancestor);
      }
    }
    for (Path a : leading) {
      argv.addAll(List.of("--perms", "0755", "--dir", a.toString()));
    }
    for (int i = 0; i + 1 < binds.size(); i += 2) {
      argv.addAll(List.of("--ro-bind", binds.get(i), binds.get(i + 1)));
    }
    argv.addAll(List.of("--bind", dir.toString(), dir.toString(), "--chdir", cwd.toString()));
    argv.addAll(
        List.of(
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--hostname",
            "tarmac-build",
            "--die-with-parent",
            "--new-session",
            "--"));
    if (uid != null) {
      argv.addAll(LIMITS);
      argv.addAll(setpriv(uid, gid));
      argv.addAll(OWN_KEYRINGS);
    }
    argv.addAll(command);
    return argv;
  }

  /**
   * The most processes a build's uid may have at once (RLIMIT_NPROC, counted per uid, so per
   * build): a fork bomb in a build command ends there instead of filling the machine's process
   * table (docs/architecture.md, "Build isolation").
   */
  static final int MAX_PROCESSES = 2048;

  /**
   * The most each tmpfs of a build may hold (its /tmp, /var/tmp, /dev/shm inside bubblewrap): their
   * pages are memory that belongs to no process, so an unbounded one (half the machine's memory,
   * each) lets a build make the OOM killer end the service instead of the build.
   */
  static final long TMPFS_BYTES = 1024L * 1024 * 1024;

  /** What every command of a build with a uid of its own starts with: its limits. */
  static final List<String> LIMITS = List.of("prlimit", "--nproc=" + MAX_PROCESSES, "--");

  /**
   * What every command of a build with a uid of its own runs in, once it is that uid: kernel
   * keyrings that end with the command (docs/architecture.md, "Build isolation"). The kernel keeps
   * a user keyring per uid that outlives every process of the uid, and a build's uid is taken again
   * by later builds; a user namespace of its own (the uid mapped to itself, nothing else) gives the
   * command user keyrings of that namespace, which go with it. The session keyring is inherited
   * through setpriv and bubblewrap: {@code keyctl session -} gives the command a fresh one, so that
   * no build reaches the service's session keyring or one another build wrote to. keyctl's "Joined
   * session keyring" line goes to /dev/null; the command gets the real stderr back.
   */
  static final List<String> OWN_KEYRINGS =
      List.of(
          "unshare",
          "--user",
          "--map-current-user",
          "--",
          "sh",
          "-c",
          "exec 3>&2 2>/dev/null; exec keyctl session - sh -c 'exec 2>&3 3>&-; exec \"$@\"' sh"
              + " \"$@\"",
          "sh");

  private static List<String> setpriv(int uid, int gid) {
    return List.of(
        "setpriv",
        "--reuid=" + uid,
        "--regid=" + gid,
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--");
  }

  /**
   * Paths laid over with an empty tmpfs inside bubblewrap: /tmp, /var/tmp, the data dir, the
   * sandbox dir (other builds' directories), the service's home and working directory, {@code
   * tarmac.build.hide}; parents before children, a path inside one already hidden left out.
   */
  List<Path> hidden() {
    List<Path> wanted =
        new ArrayList<>(List.of(Path.of("/tmp"), Path.of("/var/tmp"), dataDir, settings.root()));
    for (String prop : List.of("user.home", "user.dir")) {
      String v = System.getProperty(prop);
      if (v != null && !v.isBlank()) {
        Path p = Path.of(v).toAbsolutePath().normalize();
        // a home or working directory of / or /var would hide the system the build needs
        if (p.getNameCount() >= 2 || p.equals(Path.of("/root"))) {
          wanted.add(p);
        }
      }
    }
    settings.hide().forEach(p -> wanted.add(p.toAbsolutePath().normalize()));
    List<Path> out = new ArrayList<>();
    for (Path p : wanted) {
      Path real;
      try {
        real = p.toRealPath();
      } catch (IOException e) {
        continue; // not there: nothing to hide
      }
      if (!Files.isDirectory(real) || real.getNameCount() == 0) {
        continue;
      }
      if (out.stream().noneMatch(real::startsWith)) {
        out.removeIf(q -> q.startsWith(real));
        out.add(real);
      }
    }
    out.sort(java.util.Comparator.comparingInt(Path::getNameCount));
    return out;
  }

  /**
   * Opens a sandbox for one build: a uid of its own (as root), a fresh directory (mode 700, owned
   * by that uid) under {@code tarmac.build.sandbox-dir}, the same path for each build of {@code
   * name} that runs alone ({@link #slot}), with {@code home/} and the tree moved into {@code
   * tree/}. {@link Session#close()} ends every process of the uid, brings the tree back to {@code
   * tree}, owned by the service again.
   */
  public Session open(String name, Path tree) throws IOException, InterruptedException {
    InForce in = inForce();
    Path root = ensureRoot(in);
    BuildUids.Lease lease = in.ownUid() ? uids.take() : null;
    Path dir;
    BuildCgroup cgroup = null;
    try {
      if (lease != null && in.memory().works()) {
        cgroup = BuildCgroup.make(in.memory(), lease.uid, settings.memory());
      }
      dir = slot(root, prefix + "-" + name + "-");
    } catch (IOException | RuntimeException e) {
      if (cgroup != null) {
        cgroup.remove();
      }
      if (lease != null) {
        lease.close();
      }
      throw e;
    }
    Session session = new Session(in, dir, tree, lease, cgroup);
    try {
      Files.createDirectory(session.home);
      if (in.bwrap() && lease != null) {
        session.writeUserDatabase(settings.user());
      }
      move(tree, session.tree);
      if (lease != null) {
        String owner = lease.uid + ":" + lease.uid;
        run("chown", "-hR", owner, session.home.toString(), session.tree.toString());
        if (in.bwrap()) {
          // the directory stays the service's (755): the build cannot swap the passwd and group
          // files bubblewrap binds from it for a file hidden from it, but may list it, as
          // webpack's cache does for the tree's parent (a 711 one fails its snapshot with
          // EACCES); no other build sees this directory (the sandbox dir is hidden in bubblewrap)
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else {
          // without a mount namespace other builds walk the real sandbox dir: theirs alone
          run("chown", owner, dir.toString());
        }
      }
      return session;
    } catch (IOException | InterruptedException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /** How many builds of one name may run at once in directories of a stable path. */
  static final int SLOTS = 16;

  /**
   * A new directory (mode 700) {@code <root>/<stem>N}, N the lowest number free: the same path for
   * every build of an app that runs alone, so that what a bundler's cache keys by absolute path
   * (webpack's {@code cache: {type: 'filesystem'}}, babel-loader's {@code cacheDirectory}) is valid
   * in its next build, as in a CI runner's fixed workspace. Only the service writes {@code root}:
   * the name is predictable, not takeable. Past {@link #SLOTS} builds at once, a random name.
   */
  static Path slot(Path root, String stem) throws IOException {
    var mode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    for (int n = 0; n < SLOTS; n++) {
      try {
        return Files.createDirectory(root.resolve(stem + n), mode);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // another build of the same name holds it
      }
    }
    return Files.createTempDirectory(root, stem, mode);
  }

  /**
   * Removes sandboxes of this data dir left by a build that was running when the service died, and
   * ends the processes such a build left (as root).
   */
  public void cleanAbandoned() {
    if (ownUid() == 0 && settings.isolation() != Isolation.NONE) {
      try {
        uids.endAbandoned();
      } catch (IOException | RuntimeException e) {
        // the next build of that uid ends them before it starts
      }
    }
    if (!Files.isDirectory(settings.root())) {
      return;
    }
    try (var entries = Files.list(settings.root())) {
      entries
          .filter(p -> p.getFileName().toString().startsWith(prefix + "-"))
          .forEach(TreeFiles::deleteRecursively);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + settings.root(), e);
    }
  }

  /** One build's sandbox. */
  public final class Session implements AutoCloseable {
    private final InForce in;
    private final Path dir;
    private final Path tree;
    private final Path home;
    private final Path origin;
    private final BuildUids.Lease lease;
    private final BuildCgroup cgroup;
    private volatile boolean closed;

    private Session(InForce in, Path dir, Path origin, BuildUids.Lease lease, BuildCgroup cgroup) {
      this.in = in;
      this.cgroup = cgroup;
      this.dir = dir;
      this.tree = dir.resolve("tree");
      this.home = dir.resolve("home");
      this.origin = origin;
      this.lease = lease;
    }

    /** Where the commands run. */
    public Path tree() {
      return tree;
    }

    /** The build's fresh HOME. */
    public Path home() {
      return home;
    }

    /** The uid the build's files belong to: its own, or the service's. */
    public int buildUid() {
      return lease == null ? ownUid() : lease.uid;
    }

    /**
     * Gives {@code path} and everything under it (links not followed) to the build's uid: what the
     * service copied in for it (the build cache) is the build's to change, as its tree is.
     */
    public void giveToBuild(Path path) throws IOException, InterruptedException {
      if (lease != null) {
        run("chown", "-hR", lease.uid + ":" + lease.uid, "--", path.toString());
      }
    }

    /** The uid this build runs as, if it has one of its own. */
    public Optional<Integer> uid() {
      return lease == null ? Optional.empty() : Optional.of(lease.uid);
    }

    /**
     * How many processes of this build the kernel has ended so far because the build held more than
     * {@code tarmac.build.memory} (0 without a memory cgroup).
     */
    public long memoryKills() {
      return cgroup == null ? 0 : cgroup.oomKills();
    }

    /** How the memory limit is said in an error: {@code 4 GiB (tarmac.build.memory)}. */
    public String memoryLimit() {
      return BuildCgroup.describe(settings.memory()) + " (tarmac.build.memory)";
    }

    /** Dart Sass and esbuild, runnable inside this sandbox. */
    public BuildTools tools() {
      return tools;
    }

    /**
     * True when the command gets a process group of its own that {@link Processes} must end (no PID
     * namespace to do it).
     */
    public boolean ownProcessGroup() {
      return !in.bwrap();
    }

    /**
     * The process for one command: {@code sh -c command} in the tree, with only PATH, HOME (the
     * sandbox's), LANG/LC_ALL and {@code variables} (TARMAC_* and the app's build.env).
     */
    public ProcessBuilder command(String command, Map<String, String> variables) {
      List<String> argv = new ArrayList<>();
      if (!in.bwrap()) {
        argv.add("setsid");
      }
      argv.addAll(List.of("sh", "-c", command));
      return exec(argv, variables);
    }

    /** The process for {@code argv} (a tool of {@link #tools()}), as the build, in the tree. */
    public ProcessBuilder exec(List<String> command, Map<String, String> variables) {
      List<String> argv;
      Integer uid = lease == null ? null : lease.uid;
      if (in.bwrap()) {
        List<String> binds = new ArrayList<>();
        if (Files.isDirectory(tools.dir())) {
          binds.addAll(List.of(tools.dir().toString(), tools.dir().toString()));
        }
        Path passwd = dir.resolve("passwd");
        if (Files.exists(passwd, LinkOption.NOFOLLOW_LINKS)) {
          binds.addAll(List.of(passwd.toString(), "/etc/passwd"));
          binds.addAll(List.of(dir.resolve("group").toString(), "/etc/group"));
        }
        argv = bwrapArgv(in.bwrapExtra(), dir, tree, uid, uid, binds, command);
      } else {
        argv = new ArrayList<>();
        if (uid != null) {
          // an IPC namespace of its own: a POSIX message queue (which lives in no directory) or a
          // System V object ends with the command, as inside bubblewrap
          argv.addAll(List.of("unshare", "--ipc", "--"));
          argv.addAll(LIMITS);
          argv.addAll(setpriv(uid, uid).subList(0, 7));
          argv.addAll(List.of("--pdeathsig", "KILL", "--"));
          argv.addAll(OWN_KEYRINGS);
        }
        argv.addAll(command);
      }
      if (cgroup != null) {
        // in the build's memory cgroup before anything of the build runs
        List<String> entered = new ArrayList<>(cgroup.enter());
        entered.addAll(argv);
        argv = entered;
      }
      ProcessBuilder b = new ProcessBuilder(argv).directory(tree.toFile());
      Map<String, String> env = b.environment();
      env.clear();
      env.putAll(environment(variables));
      return b;
    }

    /** Gives a file the service wrote in the tree to the build's uid (the next steps write it). */
    public void own(Path file) {
      if (lease == null) {
        return;
      }
      try {
        Files.setAttribute(file, "unix:uid", lease.uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:gid", lease.uid, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot give " + file + " to build uid " + lease.uid, e);
      }
    }

    /**
     * Ends every process of this build's uid (none is left when it returns); without a uid of its
     * own, {@link Processes} ends what the command started.
     */
    public void endProcesses() {
      if (lease != null) {
        BuildUids.endProcesses(lease.uid);
      }
    }

    Map<String, String> environment(Map<String, String> variables) {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("PATH", path());
      String lang = System.getenv("LANG");
      env.put("LANG", lang == null || lang.isBlank() ? "C.UTF-8" : lang);
      String all = System.getenv("LC_ALL");
      if (all != null && !all.isBlank()) {
        env.put("LC_ALL", all);
      }
      env.putAll(variables);
      env.put("HOME", home.toString());
      return env;
    }

    /**
     * /etc/passwd and /etc/group as bubblewrap shows them: the machine's, plus the build's uid
     * under {@code user} (tools such as Node's {@code os.userInfo()} look their user up).
     */
    private void writeUserDatabase(String user) throws IOException {
      int uid = lease.uid;
      Files.writeString(
          dir.resolve("passwd"),
          withEntry(
              "/etc/passwd",
              user,
              user + ":x:" + uid + ":" + uid + ":Tarmac build:" + home + ":/bin/sh"));
      Files.writeString(
          dir.resolve("group"), withEntry("/etc/group", user, user + ":x:" + uid + ":"));
    }

    private static String withEntry(String file, String name, String entry) throws IOException {
      StringBuilder out = new StringBuilder();
      for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
        if (!line.startsWith(name + ":")) {
          out.append(line).append('\n');
        }
      }
      return out.append(entry).append('\n').toString();
    }

    /** Ends the build's processes, gives the tree back (owned by the service), removes the rest. */
    @Override
    public void close() throws IOException, InterruptedException {
      if (closed) {
        return;
      }
      closed = true;
      // a cancelled build's thread is interrupted: its clean-up must run all the same
      boolean interrupted = Thread.interrupted();
      try {
        closeNow();
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private void closeNow() throws IOException, InterruptedException {
      try {
        if (lease != null) {
          BuildUids.endProcesses(lease.uid);
          if (cgroup != null) {
            cgroup.remove();
          }
          if (!in.bwrap()) {
            removeSharedFiles(lease.uid, rootDir());
          }
        }
        if (Files.exists(tree, LinkOption.NOFOLLOW_LINKS)
            && !Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
          // without a mount namespace the build owns its directory and can put anything at
          // tree/; the steps after the sandbox run as the service: they must see only a directory
          throw new BuildException(
              "the build replaced its tree with "
                  + (Files.isSymbolicLink(tree)
                      ? "a symlink to " + Files.readSymbolicLink(tree)
                      : "something that is not a directory")
                  + "; nothing is built from it");
        }
        if (Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
          if (lease != null) {
            run("chown", "-hR", ownUid() + ":" + ownGid(), tree.toString());
          }
          if (ownUid() != 0) {
            // a build may leave read-only directories; the pipeline removes excluded paths next
            run("chmod", "-R", "u+rwX", tree.toString());
          }
          move(tree, origin);
        }
      } finally {
        try {
          TreeFiles.deleteRecursively(dir);
        } finally {
          if (lease != null) {
            lease.close();
          }
        }
      }
    }
  }

  /** The machine's directories anyone may write, which a build shares without a mount namespace. */
  static final List<String> SHARED_DIRS = List.of("/tmp", "/var/tmp", "/dev/shm", "/run/lock");

  /**
   * Without a mount namespace a build shares the machine's /tmp, /var/tmp, /dev/shm, /run/lock and
   * System V IPC: what its uid left there goes with it. Run once every process of the uid has
   * ended, so nothing of it can move a name under the removal: as the service ({@code find -P}
   * follows no link, deletes only entries of the uid and, through them, what they hold; a directory
   * the build made unreadable with {@code chmod 000} is no obstacle), then its message queues,
   * semaphores and shared memory ({@code ipcrm}).
   */
  static void removeSharedFiles(int uid, Path spare) throws InterruptedException {
    List<String> argv = new ArrayList<>(List.of("find", "-P"));
    for (String d : SHARED_DIRS) {
      if (Files.isDirectory(Path.of(d), LinkOption.NOFOLLOW_LINKS)) {
        argv.add(d);
      }
    }
    argv.addAll(
        List.of(
            "-xdev",
            "-mindepth",
            "1",
            // the sandbox dir (/tmp/tarmac-build by default) holds this build's own directory,
            // owned by its uid, with the tree not yet given back
            "-path",
            spare.toAbsolutePath().normalize().toString(),
            "-prune",
            "-o",
            "-uid",
            Integer.toString(uid),
            "-prune",
            "-exec",
            "rm",
            "-rf",
            "--",
            "{}",
            "+"));
    runBounded(argv);
    for (String[] kind :
        List.of(
            new String[] {"shm", "-m"}, new String[] {"msg", "-q"}, new String[] {"sem", "-s"})) {
      for (String id : ipcObjectsOf(uid, Path.of("/proc/sysvipc", kind[0]))) {
        runBounded(List.of("ipcrm", kind[1], id));
      }
    }
  }

  /**
   * Ids of the System V IPC objects in {@code table} (a file of /proc/sysvipc) that {@code uid}
   * owns or created.
   */
  static List<String> ipcObjectsOf(int uid, Path table) {
    List<String> lines;
    try {
      lines = Files.readAllLines(table, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of(); // no System V IPC here
    }
    if (lines.isEmpty()) {
      return List.of();
    }
    List<String> header = List.of(lines.get(0).trim().split("\\s+"));
    int owner = header.indexOf("uid");
    int creator = header.indexOf("cuid");
    List<String> ids = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.trim().split("\\s+");
      String u = Integer.toString(uid);
      if (f.length == header.size()
          && ((owner >= 0 && f[owner].equals(u)) || (creator >= 0 && f[creator].equals(u)))) {
        ids.add(f[1]);
      }
    }
    return ids;
  }

  private static void runBounded(List<String> argv) throws InterruptedException {
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (IOException e) {
      // no find(1) or ipcrm(1): the next build of this uid ends nothing of another's
    }
  }

  /** The sandbox root: made 711 (reachable, not listable), refused if others could write it. */
  private Path ensureRoot(InForce in) throws IOException {
    Path root = rootDir();
    if (in.ownUid() && !in.bwrap()) {
      // without a mount namespace the build user walks the real path to its directory
      for (Path p = root; p != null; p = p.getParent()) {
        if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          throw new BuildException(
              "builds (uids "
                  + settings.uids()
                  + ") cannot reach tarmac.build.sandbox-dir "
                  + root
                  + ": "
                  + p
                  + " is not searchable by others. Set tarmac.build.sandbox-dir to a directory such as /var/tmp/tarmac-build");
        }
      }
    }
    return root;
  }

  private Path rootDir() throws IOException {
    Path root = settings.root();
    Owned owned = Owned.directory(root, "rwx--x--x");
    if (!owned.onlyOurs()) {
      throw new BuildException(
          "tarmac.build.sandbox-dir "
              + root
              + " must be a directory of the service's user (uid "
              + ownUid()
              + ") that no one else can write; it is owned by uid "
              + owned.owner()
              + " with mode "
              + owned.mode()
              + ". Remove it (Tarmac makes it) or set tarmac.build.sandbox-dir elsewhere");
    }
    return root;
  }

  private void restrictDataDir() {
    try {
      if (Files.isDirectory(dataDir)) {
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the data dir " + dataDir + " private", e);
    }
  }

  /** Moves a directory, by rename when on one file system, else by {@code cp -a} and delete. */
  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      try {
        run("cp", "-a", "--", from.toString(), to.toString());
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while copying " + from + " to " + to, ie);
      }
      TreeFiles.deleteRecursively(from);
    }
  }

  private static void run(String... argv) throws IOException, InterruptedException {
    output(argv);
  }

  /** Runs a short helper command; its output, or an IOException naming it and what it said. */
  private static String output(String... argv) throws IOException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", argv) + " failed: " + out.trim());
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", argv), e);
    }
    return out;
  }

  private static String path() {
    String path = System.getenv("PATH");
    return path == null || path.isBlank() ? DEFAULT_PATH : path;
  }

  static int ownUid() {
    return Owned.ownUid();
  }

  static int ownGid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot tell the service's gid from /proc/self", e);
    }
  }
}
