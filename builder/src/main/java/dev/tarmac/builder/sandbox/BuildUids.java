package dev.tarmac.builder.sandbox;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.distributor.files.Owned;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Hands each build a uid of its own from {@code tarmac.build.uids} (docs/architecture.md, "Build
 * isolation"), so that no build can reach another's processes or files (through {@code
 * /proc/<pid>/cwd}, say), and ends every process of that uid before the build starts, after each of
 * its commands, and when it ends. A uid is held by a lock on {@code <uid>.lock} in a directory only
 * root can enter ({@link #LOCKS}), so that two services on one machine never share one; a lock dies
 * with the service that held it.
 */
final class BuildUids {
  /** Machine-wide: every Tarmac service of this machine picks from the same place. */
  static final Path LOCKS = Path.of("/run/tarmac-build-uids");

  private final UidRange range;
  private final Path locks;

  BuildUids(UidRange range) {
    this(range, LOCKS);
  }

  BuildUids(UidRange range, Path locks) {
    this.range = range;
    this.locks = locks;
  }

  /** A uid held for one build; {@link #close()} ends its processes and lets it go. */
  final class Lease implements AutoCloseable {
    final int uid;
    private final FileChannel channel;
    private final FileLock lock;

    private Lease(int uid, FileChannel channel, FileLock lock) {
      this.uid = uid;
      this.channel = channel;
      this.lock = lock;
    }

    @Override
    public void close() throws IOException {
      try {
        endProcesses(uid);
      } finally {
        try {
          lock.release();
        } finally {
          channel.close();
        }
      }
    }
  }

  /** The first free uid of the range, its leftover processes ended; refused when none is free. */
  Lease take() throws IOException {
    ensureLockDir();
    Set<Integer> users = systemIds();
    for (int uid = range.first(); uid <= range.last(); uid++) {
      if (users.contains(uid)) {
        continue;
      }
      Lease lease = tryLease(uid);
      if (lease == null) {
        continue; // held by a running build, of this service or another
      }
      try {
        // a build of a service that died may have left a process (setpriv mode): not into this one
        endProcesses(uid);
        return lease;
      } catch (RuntimeException e) {
        lease.close();
        throw e;
      }
    }
    throw new BuildException(
        "every uid of tarmac.build.uids ("
            + range
            + ") is taken by a running build or a user of this machine; wait for a build to end,"
            + " or set tarmac.build.uids to a larger range no user has");
  }

  /**
   * Ends leftover processes of uids of the range that no running build holds (a service killed with
   * -9 in setpriv mode can leave a process that left its session).
   */
  void endAbandoned() throws IOException {
    ensureLockDir();
    Set<Integer> busy = new HashSet<>();
    for (int pid : pids()) {
      Integer uid = uidOf(pid);
      if (uid != null && range.contains(uid)) {
        busy.add(uid);
      }
    }
    for (int uid : busy) {
      Lease lease = tryLease(uid);
      if (lease != null) {
        lease.close(); // ends its processes
      }
    }
  }

  /** The lease of {@code uid}, or null when a running build holds it. */
  private Lease tryLease(int uid) throws IOException {
    FileChannel channel =
        FileChannel.open(
            locks.resolve(uid + ".lock"),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another build of this JVM
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      return null;
    }
    return new Lease(uid, channel, lock);
  }

  /**
   * SIGKILL to every process of {@code uid}, from a process of that uid ({@code kill -KILL -1}
   * reaches every process it may signal: all of the uid's, in every PID namespace below ours),
   * until none is left; a fork racing the kill is caught by the next round.
   */
  static void endProcesses(int uid) {
    for (int round = 0; round < 50; round++) {
      if (livingProcesses(uid).isEmpty()) {
        return;
      }
      try {
        Process kill =
            new ProcessBuilder(
                    "setpriv",
                    "--reuid=" + uid,
                    "--regid=" + uid,
                    "--clear-groups",
                    "--",
                    "kill",
                    "-KILL",
                    "-1")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!kill.waitFor(5, TimeUnit.SECONDS)) {
          kill.destroyForcibly();
        }
        Thread.sleep(round < 5 ? 10 : 100);
      } catch (IOException e) {
        throw new BuildException("cannot end the processes of build uid " + uid + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BuildException("interrupted while ending the processes of build uid " + uid);
      }
    }
    throw new BuildException(
        "the processes of build uid "
            + uid
            + " could not be ended: "
            + livingProcesses(uid)
            + " still run");
  }

  /** Pids of {@code uid} that are not zombies (a zombie runs nothing; its parent reaps it). */
  static List<Integer> livingProcesses(int uid) {
    return pids().stream()
        .filter(pid -> Integer.valueOf(uid).equals(uidOf(pid)) && !zombie(pid))
        .toList();
  }

  private static List<Integer> pids() {
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      return entries
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
          .map(Integer::valueOf)
          .toList();
    } catch (IOException e) {
      throw new BuildException("cannot list /proc: " + e.getMessage());
    }
  }

  private static Integer uidOf(int pid) {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc", Integer.toString(pid)), "unix:uid");
    } catch (IOException | RuntimeException e) {
      return null; // gone
    }
  }

  private static boolean zombie(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      int end = stat.lastIndexOf(')');
      return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
    } catch (IOException e) {
      return true; // gone
    }
  }

  /** Uids and gids that /etc/passwd and /etc/group give to someone: never handed to a build. */
  private static Set<Integer> systemIds() throws IOException {
    Set<Integer> ids = new HashSet<>();
    for (String file : List.of("/etc/passwd", "/etc/group")) {
      Path p = Path.of(file);
      if (!Files.isReadable(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
        String[] f = line.split(":", -1);
        if (f.length > 2) {
          try {
            ids.add(Integer.parseInt(f[2]));
          } catch (NumberFormatException e) {
            // not an entry
          }
        }
      }
    }
    return ids;
  }

  private void ensureLockDir() throws IOException {
    if (!Owned.directory(locks, "rwx------").onlyOurs()) {
      throw new BuildException(
          locks
              + " (where builds take their uids) must be a directory of uid "
              + BuildSandbox.ownUid()
              + " that no one else can write; remove it and Tarmac makes it again");
    }
  }
}
