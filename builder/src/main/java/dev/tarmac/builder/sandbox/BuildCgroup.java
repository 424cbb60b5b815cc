package dev.tarmac.builder.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memory cgroup per build (docs/architecture.md, "Build isolation"): {@code tarmac.build.memory}
 * is the most a build's processes (and the tmpfs pages they write) may hold at once; past it the
 * kernel's OOM killer ends a process of the build, not the service. Made by the service (root)
 * under its own cgroup: with cgroup v1 in the memory hierarchy ({@code memory.limit_in_bytes});
 * with cgroup v2 in a subtree delegated to the service ({@code Delegate=yes} under systemd: the
 * service moves itself into a leaf {@code tarmac-service} and enables the memory controller for its
 * children; {@code memory.max}, {@code memory.swap.max=0}).
 */
final class BuildCgroup {
  /** Where build cgroups are made, and how; or why there is none. */
  record Place(Path base, boolean v2, String problem) {
    static Place none(String problem) {
      return new Place(null, false, problem);
    }

    boolean works() {
      return problem == null;
    }
  }

  private static final Path ROOT = Path.of("/sys/fs/cgroup");

  private final Path dir;
  private final boolean v2;

  private BuildCgroup(Path dir, boolean v2) {
    this.dir = dir;
    this.v2 = v2;
  }

  /**
   * Finds where this service can make memory cgroups, from /proc/self/cgroup: a cgroup v1 memory
   * hierarchy, or a cgroup v2 one whose memory controller the service's cgroup may give its
   * children. Needs root.
   */
  static Place find() {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/self/cgroup"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Place.none("/proc/self/cgroup cannot be read (" + e.getMessage() + ")");
    }
    for (String line : lines) {
      String[] f = line.split(":", 3);
      if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
        Path base = under(ROOT.resolve("memory"), f[2]);
        if (Files.isRegularFile(base.resolve("memory.limit_in_bytes"))) {
          return writable(new Place(base, false, null));
        }
      }
    }
    for (String line : lines) {
      if (line.startsWith("0::")) {
        Path base = under(ROOT, line.substring(3));
        Path controllers = base.resolve("cgroup.controllers");
        String available = read(controllers);
        if (available == null || !List.of(available.trim().split("\\s+")).contains("memory")) {
          return Place.none(
              "cgroup v2 gives the service's cgroup "
                  + base
                  + " no memory controller (available: "
                  + (available == null ? "none" : "'" + available.trim() + "'")
                  + "; under systemd set Delegate=yes in the service's unit)");
        }
        return delegate(base);
      }
    }
    return Place.none("no cgroup memory controller is mounted (/sys/fs/cgroup)");
  }

  private static Place writable(Place place) {
    Path probe = place.base().resolve("tarmac-probe-" + ProcessHandle.current().pid());
    try {
      Files.createDirectory(probe);
      Files.delete(probe);
      return place;
    } catch (IOException e) {
      return Place.none("cannot make a cgroup in " + place.base() + " (" + e + ")");
    }
  }

  /**
   * cgroup v2: a cgroup with processes cannot give controllers to children, so the service moves
   * its cgroup's processes (itself and its launcher) into {@code tarmac-service} below it first,
   * then enables memory there.
   */
  private static Place delegate(Path base) {
    String enabled = read(base.resolve("cgroup.subtree_control"));
    if (enabled == null || !List.of(enabled.trim().split("\\s+")).contains("memory")) {
      try {
        Path leaf = base.resolve("tarmac-service");
        if (!Files.isDirectory(leaf)) {
          Files.createDirectory(leaf);
        }
        // every process of the unit (the `tarmac serve` launcher too): the cgroup must be empty
        for (String pid : Files.readAllLines(base.resolve("cgroup.procs"))) {
          if (!pid.isBlank()) {
            Files.writeString(leaf.resolve("cgroup.procs"), pid.trim());
          }
        }
        Files.writeString(base.resolve("cgroup.subtree_control"), "+memory");
      } catch (IOException e) {
        return Place.none(
            "cannot enable the memory controller below the service's cgroup "
                + base
                + " ("
                + e
                + "; under systemd set Delegate=yes in the service's unit)");
      }
    }
    return writable(new Place(base, true, null));
  }

  /** A fresh cgroup for build uid {@code uid}, its memory limited to {@code bytes}. */
  static BuildCgroup make(Place place, int uid, long bytes) throws IOException {
    Path dir = place.base().resolve("tarmac-build-" + uid);
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(dir); // a crashed service's, empty: its processes were ended with its uid
    }
    Files.createDirectory(dir);
    try {
      if (place.v2()) {
        Files.writeString(dir.resolve("memory.max"), Long.toString(bytes));
        Path swap = dir.resolve("memory.swap.max");
        if (Files.exists(swap)) {
          Files.writeString(swap, "0");
        }
      } else {
        Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(bytes));
      }
    } catch (IOException e) {
      Files.delete(dir);
      throw e;
    }
    return new BuildCgroup(dir, place.v2());
  }

  /**
   * What a command starts with so that it, and all it starts, is in this cgroup from its first
   * instruction: a shell (as the service) writes its own pid into {@code cgroup.procs}, then
   * becomes the command.
   */
  List<String> enter() {
    return List.of(
        "sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", dir.resolve("cgroup.procs").toString());
  }

  /** How many processes of this cgroup the kernel's OOM killer has ended since it was made. */
  long oomKills() {
    String text = read(dir.resolve(v2 ? "memory.events" : "memory.oom_control"));
    if (text == null) {
      return 0;
    }
    Matcher m = Pattern.compile("(?m)^oom_kill (\\d+)$").matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** Removes the cgroup; its processes have ended (the uid's, all of them). */
  void remove() {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a process not yet reaped: the next build of this uid removes it before it starts
    }
  }

  Path dir() {
    return dir;
  }

  private static Path under(Path mount, String path) {
    Path p = mount;
    for (String part : path.split("/")) {
      if (!part.isEmpty() && !part.equals(".") && !part.equals("..")) {
        p = p.resolve(part);
      }
    }
    return p;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code 4GiB}, {@code 512MiB}, {@code 2G}, a number of bytes; empty when it is none of them. */
  static Optional<Long> parseSize(String text) {
    Matcher m = Pattern.compile("(\\d{1,13})\\s*(KiB|MiB|GiB|TiB|K|M|G|T)?").matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1);
    int shift =
        switch (unit) {
          case "K" -> 10;
          case "M" -> 20;
          case "G" -> 30;
          case "T" -> 40;
          default -> 0;
        };
    return n > (Long.MAX_VALUE >> shift) ? Optional.empty() : Optional.of(n << shift);
  }

  /** {@code 4 GiB}, {@code 512 MiB}: how a limit is said in messages. */
  static String describe(long bytes) {
    String[] units = {"GiB", "MiB", "KiB"};
    int[] shifts = {30, 20, 10};
    for (int i = 0; i < units.length; i++) {
      if (bytes % (1L << shifts[i]) == 0) {
        return (bytes >> shifts[i]) + " " + units[i];
      }
    }
    return bytes + " bytes";
  }
}
