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
    try (Stream<Path> walk = Files.walk(tree)) {
      return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
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
    List<String> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(tree)) {
      walk.filter(p -> !p.equals(tree)).forEach(p -> out.add(relative(tree, p)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + tree, e);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }
}
