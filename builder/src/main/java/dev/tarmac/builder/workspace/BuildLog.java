package dev.tarmac.builder.workspace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A build's log: every step's narration and every command's output, kept in a file. */
public final class BuildLog implements AutoCloseable {
  private final Path file;
  private final BufferedWriter out;
  private final long startNanos = System.nanoTime();

  public BuildLog(Path file) {
    this.file = file;
    try {
      Files.createDirectories(file.getParent());
      out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the build log " + file, e);
    }
  }

  public Path file() {
    return file;
  }

  public synchronized void line(String text) {
    try {
      out.write(String.format("[%7.3fs] %s%n", (System.nanoTime() - startNanos) / 1e9, text));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the build log " + file, e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
