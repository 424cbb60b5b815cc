package dev.tarmac.builder.sandbox;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.files.Owned;
import dev.tarmac.distributor.store.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-app build cache ({@code build.cache}; docs/architecture.md, "The build cache"): what one
 * successful build of an app left in its cache paths is copied into that app's next build's sandbox
 * before its commands, and never into another app's.
 *
 * <p>Kept under {@code <data-dir>/build-cache/<app>/current/} (mode 700, the service's: a build
 * never sees it, in bubblewrap the data dir is hidden, with setpriv it is mode 700). Restored by
 * copying into the sandbox and giving the copy to the build's uid, so a build changes only its
 * copy; saved (staged, then put in place once the build is published) from what the build left once
 * none of its processes lives, refusing what a hostile build could use against the service:
 * symlinks on the way to a cache path, FIFOs, sockets, devices, hard links, files of another owner,
 * more than {@code tarmac.build.cache-max-size} bytes. Links inside a cache path are copied as
 * links, never followed. On an exact key hit whose restored copy the build left as it was, nothing
 * is saved again (as actions/cache on a primary-key hit): the saved copy stays.
 */
public final class BuildCache {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  /** {@code tarmac.build.cache-max-size}'s default: 2 GiB per app. */
  public static final long DEFAULT_MAX_BYTES = 2L << 30;

  /** The most entries (files, directories, links) a saved cache may hold. */
  static final int MAX_ENTRIES = 1_000_000;

  private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*([kmgt]?)i?b?");

  private final Path root;
  private final long maxBytes;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** {@code root}: {@code <data-dir>/build-cache}; {@code maxBytes}: what one app may keep. */
  public BuildCache(Path root, long maxBytes) {
    this.root = root.toAbsolutePath().normalize();
    this.maxBytes = maxBytes;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Removes what a service killed during a build left: staged copies ({@code .staging-…}) of builds
   * that were never published, and replaced copies ({@code .old-…}) not yet removed. Run at start,
   * before any build.
   */
  public void cleanAbandoned() {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var apps = Files.list(root)) {
      for (Path app : apps.toList()) {
        if (!Files.isDirectory(app, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (var left = Files.list(app)) {
          left.filter(
                  p ->
                      p.getFileName().toString().startsWith(".staging-")
                          || p.getFileName().toString().startsWith(".old-"))
              .forEach(TreeFiles::deleteRecursively);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot clean the build cache " + root, e);
    }
  }

  /** {@code 2g}, {@code 512m}, {@code 100k}, a number of bytes; {@code 0} saves nothing. */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "tarmac.build.cache-max-size is '"
              + text
              + "'; expected a size such as 2g, 512m, 100k or a number of bytes (0: no cache is"
              + " saved)");
    }
    int shift =
        switch (m.group(2)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    return Long.parseLong(m.group(1)) << shift;
  }

  /**
   * A build's cache key: the app, its cache paths and the sha256 of each {@code build.cache_key}
   * file as committed; {@code paths} is the part without the lock files (a cache saved for the same
   * paths is restored even when the lock files changed).
   */
  public record Key(String value, String paths, String description) {}

  /** The key of {@code app}'s build of {@code tree} (as checked out, before any command). */
  public static Key key(String app, List<String> paths, List<String> keyFiles, Path tree) {
    String pathsPart = app + "\n" + String.join("\n", paths) + "\n";
    StringBuilder files = new StringBuilder();
    List<String> said = new ArrayList<>();
    for (String name : keyFiles) {
      String hash = fileHash(tree, name);
      files.append(name).append(' ').append(hash).append('\n');
      said.add(name + " " + (hash.length() == 64 ? "sha256 " + hash.substring(0, 12) : hash));
    }
    String pathsHash = sha256(pathsPart).substring(0, 16);
    String value = sha256(pathsPart + "--\n" + files).substring(0, 16);
    return new Key(
        value,
        pathsHash,
        "app "
            + app
            + "; paths "
            + String.join(", ", paths)
            + (said.isEmpty() ? "; no build.cache_key files" : "; " + String.join(", ", said)));
  }

  /** The sha256 of a regular file of the tree (no link on the way), else what it is instead. */
  private static String fileHash(Path tree, String name) {
    Path file = tree.resolve(name).normalize();
    if (!file.startsWith(tree) || TreeFiles.linkOnTheWay(tree, file) != null) {
      return "(not a file of the tree)";
    }
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return "(missing)";
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return "(not a file of the tree)";
    }
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
      return java.util.HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One build's use of the cache: its app, its {@code build.cache} paths and their key. */
  public record Plan(String app, List<String> paths, Key key) {}

  /** What a restore did, in one line of the build log. */
  public record Restored(long files, long bytes, String line) {}

  /**
   * Copies {@code app}'s saved cache into {@code session} (its home for {@code ~/…} paths, its tree
   * for the others), giving the copy to the build's uid; nothing when none is saved or it was saved
   * for other paths. Runs before any command of the build: no process of it lives.
   */
  public Restored restore(BuildSandbox.Session session, Plan plan)
      throws IOException, InterruptedException {
    String app = plan.app();
    List<String> paths = plan.paths();
    Key key = plan.key();
    synchronized (lock(app)) {
      Path current = appDir(app).resolve("current");
      Properties meta = meta(current);
      if (meta == null) {
        return new Restored(0, 0, "cache: none saved for " + app + " yet; this build starts cold");
      }
      String savedKey = meta.getProperty("key", "?");
      String by = meta.getProperty("version", "?");
      if (!key.paths().equals(meta.getProperty("paths"))) {
        return new Restored(
            0,
            0,
            "cache: the one saved by "
                + app
                + " "
                + by
                + " (key "
                + savedKey
                + ") is for other build.cache paths; not restored, this build starts cold");
      }
      long[] counts = {0, 0};
      List<String> skipped = new ArrayList<>();
      for (String path : paths) {
        Path source = current.resolve("data").resolve(stored(path));
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        Path base = base(session, path);
        Path target = base.resolve(inside(path));
        String link = TreeFiles.linkOnTheWay(base, target);
        if (link != null) {
          skipped.add(path + " (" + link + " is a symlink in the checkout)");
          continue;
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          skipped.add(path + " (the checkout has it already)");
          continue;
        }
        Path top = makeParents(base, target.getParent());
        copy(source, target, counts);
        session.giveToBuild(top == null ? target : top);
      }
      String exact =
          savedKey.equals(key.value())
              ? "the same key"
              : "key " + savedKey + ": the build.cache_key files differ";
      return new Restored(
          counts[0],
          counts[1],
          "cache: restored "
              + counts[0]
              + " files, "
              + counts[1]
              + " bytes saved by "
              + app
              + " "
              + by
              + " ("
              + exact
              + ")"
              + (skipped.isEmpty() ? "" : "; not restored: " + String.join(", ", skipped)));
    }
  }

  /** What the build left in its cache paths, copied aside until the build is published. */
  public final class Staged implements AutoCloseable {
    private final String app;
    private final Path dir;
    private final Key key;
    private final long files;
    private final long bytes;
    private boolean done;

    private Staged(String app, Path dir, Key key, long files, long bytes) {
      this.app = app;
      this.dir = dir;
      this.key = key;
      this.files = files;
      this.bytes = bytes;
    }

    public long files() {
      return files;
    }

    public long bytes() {
      return bytes;
    }

    /** Puts the staged copy in place of the app's saved cache: the published build's is next. */
    public void commit(String version) throws IOException {
      synchronized (lock(app)) {
        Properties meta = new Properties();
        meta.setProperty("key", key.value());
        meta.setProperty("paths", key.paths());
        meta.setProperty("version", version);
        meta.setProperty("files", Long.toString(files));
        meta.setProperty("bytes", Long.toString(bytes));
        try (var out = Files.newOutputStream(dir.resolve("cache.properties"))) {
          meta.store(out, "build cache of " + app);
        }
        Path current = appDir(app).resolve("current");
        Path old = appDir(app).resolve(".old-" + dir.getFileName());
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
          Files.move(current, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(dir, current, StandardCopyOption.ATOMIC_MOVE);
        done = true;
        TreeFiles.deleteRecursively(old);
      }
    }

    /** Removes the staged copy unless it was committed (the build failed after it was staged). */
    @Override
    public void close() {
      if (!done) {
        done = true;
        TreeFiles.deleteRecursively(dir);
      }
    }
  }

  /** A staged copy, or why nothing is saved (one line for the build log). */
  public record Staging(Optional<Staged> staged, String line) {}

  /**
   * Copies what the build left in its cache paths aside, once no process of it lives; nothing (and
   * why) when a path leads through a symlink, holds a FIFO, socket, device, hard link or a file of
   * another owner, or all of them hold more than {@code tarmac.build.cache-max-size}.
   */
  public Staging stage(BuildSandbox.Session session, Plan plan) throws IOException {
    String app = plan.app();
    List<String> paths = plan.paths();
    Key key = plan.key();
    if (maxBytes <= 0) {
      return new Staging(
          Optional.empty(), "cache: not saved: tarmac.build.cache-max-size is 0 on this service");
    }
    int owner = session.buildUid();
    Scan scan = new Scan(owner);
    for (String path : paths) {
      Path base = base(session, path);
      Path source = base.resolve(inside(path));
      String link = TreeFiles.linkOnTheWay(base, source);
      if (link != null) {
        return refused("the build made " + link + " a symlink");
      }
      if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      String problem = scan.walk(source, path);
      if (problem != null) {
        return refused(problem);
      }
    }
    Path appDir = appDir(app);
    String hit = "";
    synchronized (lock(app)) {
      Path current = appDir.resolve("current");
      Properties meta = meta(current);
      if (meta != null && key.value().equals(meta.getProperty("key"))) {
        // as actions/cache on a primary-key hit, but only when the build changed nothing in it
        String change = firstChange(session, paths, current.resolve("data"));
        if (change == null) {
          return new Staging(
              Optional.empty(),
              "cache: key "
                  + key.value()
                  + " hit; not saved again (the build left "
                  + String.join(", ", paths)
                  + " as restored from "
                  + app
                  + " "
                  + meta.getProperty("version", "?")
                  + ")");
        }
        hit = " (key hit, but the build changed " + change + ")";
      }
    }
    Path dir =
        Files.createTempDirectory(
            appDir,
            ".staging-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    long[] counts = {0, 0};
    try {
      for (String path : paths) {
        Path source = base(session, path).resolve(inside(path));
        if (Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
          Path target = dir.resolve("data").resolve(stored(path));
          Files.createDirectories(target.getParent());
          copy(source, target, counts);
        }
      }
    } catch (IOException | RuntimeException e) {
      TreeFiles.deleteRecursively(dir);
      throw e;
    }
    return new Staging(
        Optional.of(new Staged(app, dir, key, counts[0], counts[1])),
        "cache: "
            + counts[0]
            + " files, "
            + counts[1]
            + " bytes of "
            + String.join(", ", paths)
            + " will be saved under key "
            + key.value()
            + " once the build is published"
            + hit);
  }

  /**
   * Null when the build's cache paths hold what {@code saved} (the app's saved copy) holds: the
   * same entries, kinds, permission bits and link targets, files of the same size and time or else
   * the same bytes; npm's debug logs ({@code ~/.npm/_logs}, one more each run) aside. Else the
   * first difference. No process of the build lives: nothing moves under the walk.
   */
  private static String firstChange(BuildSandbox.Session session, List<String> paths, Path saved)
      throws IOException {
    for (String path : paths) {
      Path source = base(session, path).resolve(inside(path));
      Path copy = saved.resolve(stored(path));
      boolean here = Files.exists(source, LinkOption.NOFOLLOW_LINKS);
      if (here != Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
        return path + (here ? " (new)" : " (removed)");
      }
      if (!here) {
        continue;
      }
      String change = walkChanges(source, copy, path, true);
      if (change == null) {
        change = walkChanges(copy, source, path, false);
      }
      if (change != null) {
        return change;
      }
    }
    return null;
  }

  /**
   * The first entry under {@code from} that {@code to} lacks; with {@code compare}, or that differs
   * from its counterpart there. Null when none.
   */
  private static String walkChanges(Path from, Path to, String path, boolean compare)
      throws IOException {
    String[] change = {null};
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            if (path.equals("~/.npm") && from.relativize(dir).toString().equals("_logs")) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            return check(dir);
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            return check(file);
          }

          private FileVisitResult check(Path p) throws IOException {
            String rel = from.relativize(p).toString();
            Path other = to.resolve(rel);
            String name = path + suffix(from, p);
            if (!Files.exists(other, LinkOption.NOFOLLOW_LINKS)) {
              change[0] = name + (compare ? " (new)" : " (removed)");
            } else if (compare) {
              change[0] = difference(p, other, name);
            }
            return change[0] == null ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
          }
        });
    return change[0];
  }

  /** Null when {@code a} (the build's) and {@code b} (the saved) are the same entry; else why. */
  private static String difference(Path a, Path b, String name) throws IOException {
    PosixFileAttributes x = Files.readAttributes(a, PosixFileAttributes.class, NOFOLLOW);
    PosixFileAttributes y = Files.readAttributes(b, PosixFileAttributes.class, NOFOLLOW);
    if (x.isDirectory() != y.isDirectory()
        || x.isSymbolicLink() != y.isSymbolicLink()
        || x.isRegularFile() != y.isRegularFile()) {
      return name + " (another kind)";
    }
    if (x.isSymbolicLink()) {
      return Files.readSymbolicLink(a).equals(Files.readSymbolicLink(b))
          ? null
          : name + " (another link target)";
    }
    if (!x.permissions().equals(y.permissions())) {
      return name + " (mode)";
    }
    if (x.isRegularFile()) {
      if (x.size() != y.size()) {
        return name + " (content)";
      }
      if (x.lastModifiedTime().toMillis() != y.lastModifiedTime().toMillis()
          && Files.mismatch(a, b) != -1) {
        return name + " (content)";
      }
    }
    return null;
  }

  private static Staging refused(String why) {
    return new Staging(Optional.empty(), "cache: not saved: " + why);
  }

  /** Counts and checks what a build left, following no link. */
  private final class Scan {
    final int owner;
    long bytes;
    long entries;

    Scan(int owner) {
      this.owner = owner;
    }

    /** Null when everything under {@code source} may be saved; else why not. */
    String walk(Path source, String path) throws IOException {
      String[] problem = {null};
      Files.walkFileTree(
          source,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              return check(dir, attrs);
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              return check(file, attrs);
            }

            private FileVisitResult check(Path p, BasicFileAttributes attrs) throws IOException {
              String name = path + suffix(source, p);
              entries++;
              if (entries > MAX_ENTRIES) {
                problem[0] = "the cache paths hold more than " + MAX_ENTRIES + " entries";
              } else if (attrs.isOther()) {
                problem[0] =
                    name + " is a FIFO, socket or device; a cache holds files and directories";
              } else if (!attrs.isSymbolicLink()) {
                int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                if (uid != owner) {
                  problem[0] =
                      name + " is owned by uid " + uid + ", not by the build (uid " + owner + ")";
                } else if (attrs.isRegularFile()
                    && (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS)
                        > 1) {
                  problem[0] = name + " is a hard link; a cache holds files of its own";
                } else if (attrs.isRegularFile()) {
                  bytes += attrs.size();
                  if (bytes > maxBytes) {
                    problem[0] =
                        "the cache paths hold more than tarmac.build.cache-max-size ("
                            + maxBytes
                            + " bytes) at "
                            + name
                            + "; raise the setting or cache less";
                  }
                }
              }
              return problem[0] == null ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
            }
          });
      return problem[0];
    }
  }

  private static String suffix(Path top, Path p) {
    String rel = top.relativize(p).toString();
    return rel.isEmpty() ? "" : "/" + rel;
  }

  /**
   * Copies {@code source} to {@code target} (which must not exist), links as links, file contents
   * and permission bits (no set-id bits) and times; never through a link.
   */
  private static void copy(Path source, Path target, long[] counts) throws IOException {
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Path to = target.resolve(source.relativize(dir).toString());
            Files.createDirectory(
                to,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Path to = target.resolve(source.relativize(file).toString());
            if (attrs.isSymbolicLink()) {
              Files.createSymbolicLink(to, Files.readSymbolicLink(file));
            } else if (attrs.isRegularFile()) {
              Files.copy(file, to, LinkOption.NOFOLLOW_LINKS);
              Files.setPosixFilePermissions(
                  to, Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS));
              Files.setLastModifiedTime(to, attrs.lastModifiedTime());
              counts[0]++;
              counts[1] += attrs.size();
            } else {
              throw new BuildException(
                  "the build cache holds " + file + ", which is no file, directory or link");
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Path to = target.resolve(source.relativize(dir).toString());
            Files.setPosixFilePermissions(
                to, Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
            Files.setLastModifiedTime(
                to, Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Makes the missing directories from {@code base} to {@code dir}; the topmost made, or null. */
  private static Path makeParents(Path base, Path dir) throws IOException {
    Path top = null;
    Path here = base;
    for (Path part : base.relativize(dir)) {
      here = here.resolve(part);
      if (!Files.exists(here, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(here);
        if (top == null) {
          top = here;
        }
      } else if (!Files.isDirectory(here, LinkOption.NOFOLLOW_LINKS)) {
        throw new BuildException(
            "build.cache: " + base.relativize(here) + " is not a directory in the checkout");
      }
    }
    return top;
  }

  private static Path base(BuildSandbox.Session session, String path) {
    return path.startsWith("~/") ? session.home() : session.tree();
  }

  private static String inside(String path) {
    return path.startsWith("~/") ? path.substring(2) : path;
  }

  /** Where a cache path is kept: {@code home/.npm}, {@code tree/node_modules/.cache}. */
  private static String stored(String path) {
    return (path.startsWith("~/") ? "home/" : "tree/") + inside(path);
  }

  private static Properties meta(Path current) throws IOException {
    Path file = current.resolve("cache.properties");
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    }
    return p;
  }

  /** {@code <root>/<app>/}, made 700 when missing; refused unless only the service can write it. */
  private Path appDir(String app) throws IOException {
    if (!dev.tarmac.distributor.model.Names.isApp(app)) {
      throw new BuildException("not an app name: " + app);
    }
    for (Path dir : List.of(root, root.resolve(app))) {
      Owned owned = Owned.directory(dir, "rwx------");
      if (!owned.onlyOurs() || owned.perms().size() != 3) {
        throw new BuildException(
            "the build cache directory "
                + dir
                + " must be the service's (uid "
                + Owned.ownUid()
                + ") with mode rwx------; it is uid "
                + owned.owner()
                + " with mode "
                + owned.mode()
                + ". Remove it (Tarmac makes it again, the next build starts cold)");
      }
    }
    return root.resolve(app);
  }

  private Object lock(String app) {
    return locks.computeIfAbsent(app, a -> new Object());
  }

  private static String sha256(String text) {
    return Hashing.sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }
}
