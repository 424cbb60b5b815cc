package dev.tarmac.builder.hooks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The webhook deliveries already acted on, by id ({@code github:<X-GitHub-Delivery>}, …), so a
 * replayed delivery queues nothing. Kept in one file, one id a line, the newest last, and
 * remembered up to {@code capacity} (the oldest are forgotten first); the file is rewritten to the
 * remembered ids when it has grown to twice that. An id is {@link #claim claimed} before the
 * delivery is handled and {@link #done remembered} once it was, or {@link #release released} when
 * handling failed, so the provider's retry of a failed delivery is still handled.
 */
public final class SeenDeliveries {
  /** Delivery ids are UUIDs or GUIDs; anything printable without spaces, up to 200 characters. */
  private static final Pattern ID = Pattern.compile("[\\x21-\\x7e]{1,200}");

  private final Path file;
  private final int capacity;
  private final LinkedHashSet<String> seen = new LinkedHashSet<>();
  private final Set<String> inFlight = new HashSet<>();
  private int lines;

  public SeenDeliveries(Path file, int capacity) {
    this.file = file;
    this.capacity = capacity;
    try {
      List<String> stored = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (String line : stored) {
        if (!line.isBlank()) {
          seen.remove(line);
          seen.add(line);
        }
      }
      lines = stored.size();
      trim();
    } catch (NoSuchFileException e) {
      lines = 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the webhook deliveries in " + file, e);
    }
  }

  /** Whether {@code id} (a header's value) can be used as a delivery id. */
  public static boolean valid(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** True when {@code id} is new (and now being handled); false when seen or being handled. */
  public synchronized boolean claim(String id) {
    return !seen.contains(id) && inFlight.add(id);
  }

  /** The delivery was handled: remember it for good (up to the capacity). */
  public synchronized void done(String id) {
    inFlight.remove(id);
    if (!seen.add(id)) {
      return;
    }
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          id + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      lines++;
      trim();
      if (lines > 2 * capacity) {
        rewrite();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record webhook delivery " + id + " in " + file, e);
    }
  }

  /** Handling failed: a redelivery with this id is handled again. */
  public synchronized void release(String id) {
    inFlight.remove(id);
  }

  public synchronized boolean seen(String id) {
    return seen.contains(id);
  }

  public synchronized int size() {
    return seen.size();
  }

  private void trim() {
    Iterator<String> oldest = seen.iterator();
    while (seen.size() > capacity && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  private void rewrite() throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, seen, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    lines = seen.size();
  }
}
