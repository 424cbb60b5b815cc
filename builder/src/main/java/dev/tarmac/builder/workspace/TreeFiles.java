package dev.tarmac.builder.workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** File helpers over a checked-out tree; paths are relative, slash-separated, sorted. */
public final class TreeFiles {
  private TreeFiles() {}

  public static String relative(Path tree, Path file) {
    return tree.relativize(file).toString().replace('\\', '/');
  }

  /** Regular files (not following symlinks) whose relative path {@code globs} matches, sorted. */
  public static List<Path> matching(Path tree, Globs globs) {
    return matching(tree, globs, Deadline.NONE, "listing");
  }

  /** The same, failing the build as {@code step} once {@code deadline} has passed. */
  public static List<Path> matching(Path tree, Globs globs, Deadline deadline, String step) {
    try (Stream<Path> walk = Files.walk(tree)) {
      return walk.peek(p -> deadline.check(step, relative(tree, p)))
          .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .filter(p -> globs.matches(relative(tree, p)))
          .sorted(Comparator.comparing(p -> relative(tree, p)))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + tree, e);
    }
  }

  public static void deleteRecursively(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              Files.delete(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  /** Every path under {@code tree} (files, links, directories), relative, sorted; not the root. */
  public static List<String> allPaths(Path tree) {
    return allPaths(tree, Deadline.NONE, "listing");
  }

  /** The same, failing the build as {@code step} once {@code deadline} has passed. */
  public static List<String> allPaths(Path tree, Deadline deadline, String step) {
    List<String> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(tree)) {
      walk.filter(p -> !p.equals(tree))
          .forEach(
              p -> {
                String path = relative(tree, p);
                deadline.check(step, path);
                out.add(path);
              });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + tree, e);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  /**
   * True when {@code path} is inside {@code tree} once every link on the way is followed: a step
   * that reads, writes or deletes there as the service touches only the tree.
   */
  public static boolean reallyInside(Path tree, Path path) throws IOException {
    return path.toRealPath().startsWith(tree.toRealPath());
  }

  /**
   * Refuses a tree holding a FIFO, socket or device, or a symlink to one: a step that opened it
   * would block forever or read a device (docs/architecture.md, "Build isolation"). {@code after}
   * names what made the tree ({@code build.commands}).
   */
  public static void refuseSpecialFiles(Path tree, String after) {
    refuseWhatCannotShip(tree, after, Long.MAX_VALUE);
  }

  /**
   * The most bytes of files a build may leave in its tree (8 GiB, apparent sizes: a sparse file
   * counts as what packing it would read). Without it a {@code truncate -s 1T} held the build slot
   * in the fingerprint and pack steps, which run after the commands' time limit, and filled the
   * disk with the artifact (docs/architecture.md, "Build isolation").
   */
  public static final long MAX_TREE_BYTES = 8L << 30;

  /** Refuses a tree whose files add up to more than {@code max} bytes, naming the largest. */
  public static void refuseOversized(Path tree, long max, String after) {
    refuseWhatCannotShip(tree, after, max);
  }

  /**
   * {@link #refuseSpecialFiles} and {@link #refuseOversized} in one walk of the tree: a tree of
   * 400,000 files is listed once after each command list, not twice.
   */
  public static void refuseWhatCannotShip(Path tree, String after, long max) {
    refuseWhatCannotShip(tree, after, max, Deadline.NONE);
  }

  /** The same, ending at {@code deadline}: "the tree check after {@code after}". */
  public static void refuseWhatCannotShip(Path tree, String after, long max, Deadline deadline) {
    List<String> found = new ArrayList<>();
    long[] total = {0};
    Path[] largest = {null};
    long[] largestSize = {-1};
    try (Stream<Path> walk = Files.walk(tree)) {
      walk.forEach(
          p -> {
            deadline.check("the tree check after " + after, relative(tree, p));
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
              long size;
              try {
                size = Files.size(p);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              total[0] += size;
              if (size > largestSize[0]) {
                largestSize[0] = size;
                largest[0] = p;
              }
            }
            if (found.size() >= 10) {
              return;
            }
            // a link counts by where it points, as a step opening it would see it
            boolean special =
                Files.exists(p) && !Files.isRegularFile(p) && !Files.isDirectory(p)
                    || !Files.isSymbolicLink(p)
                        && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
            if (special) {
              found.add(relative(tree, p));
            }
          });
    } catch (IOException | UncheckedIOException e) {
      throw new BuildException("cannot list the tree " + tree + ": " + e.getMessage());
    }
    if (!found.isEmpty()) {
      throw new BuildException(
          after
              + " left "
              + (found.size() == 1
                  ? "a FIFO, socket or device (or a link to one)"
                  : "FIFOs, sockets or devices (or links to them)")
              + " in the tree: "
              + String.join(", ", found)
              + "; only files, directories and symlinks to them can be built and shipped. Remove"
              + " them in the command that made them");
    }
    if (total[0] > max) {
      throw new BuildException(
          after
              + " left "
              + total[0]
              + " bytes of files in the tree, more than the "
              + max
              + " a build may ship (the largest: "
              + relative(tree, largest[0])
              + ", "
              + largestSize[0]
              + " bytes); remove what the app does not need in the command that made it"
              + " (build.exclude comes after this check)");
    }
  }

  /**
   * Writes {@code text} to {@code file} inside {@code tree}, making missing directories, never
   * through a symlink (a build could point one at any file of the machine): a link on the way is an
   * error naming it. {@code made} hears of every directory and the file it made or wrote.
   */
  public static void writeInTree(
      Path tree, Path file, String text, String what, java.util.function.Consumer<Path> made)
      throws IOException {
    writeInTree(tree, file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), what, made);
  }

  /** The same for bytes. */
  public static void writeInTree(
      Path tree, Path file, byte[] bytes, String what, java.util.function.Consumer<Path> made)
      throws IOException {
    Path rel = tree.relativize(file.normalize());
    if (rel.startsWith("..") || rel.toString().isEmpty()) {
      throw new BuildException(what + ": " + file + " is outside the tree");
    }
    Path here = tree;
    for (int i = 0; i < rel.getNameCount() - 1; i++) {
      here = here.resolve(rel.getName(i));
      if (Files.isSymbolicLink(here)) {
        throw new BuildException(
            what
                + ": "
                + relative(tree, here)
                + " is a symlink; Tarmac writes only into the tree's own directories");
      }
      if (!Files.exists(here, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(here);
        made.accept(here);
      }
    }
    if (Files.isSymbolicLink(file)) {
      throw new BuildException(
          what + ": " + relative(tree, file) + " is a symlink; Tarmac does not write through it");
    }
    try (var out =
        Files.newOutputStream(
            file,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
            java.nio.file.StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
      out.write(bytes);
    }
    made.accept(file);
  }

  /**
   * The first path from {@code base} to {@code target} (both included) that is a symlink, relative
   * to {@code base}, or null.
   */
  public static String linkOnTheWay(Path base, Path target) {
    Path here = base;
    if (Files.isSymbolicLink(here)) {
      return ".";
    }
    for (Path part : base.relativize(target)) {
      here = here.resolve(part);
      if (Files.isSymbolicLink(here)) {
        return base.relativize(here).toString();
      }
      if (!Files.exists(here, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
    }
    return null;
  }
}
