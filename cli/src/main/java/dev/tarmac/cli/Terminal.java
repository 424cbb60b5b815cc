package dev.tarmac.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * What this process writes to: a terminal or not, in colour or not, and how wide.
 *
 * <p>The width comes from {@code stty size} on {@code /dev/tty}, asked again after each SIGWINCH
 * (the terminal was resized). JLine 4.5 was tried first: building its system terminal took ~0.8 s
 * and wrote capability queries ({@code ESC[c}, {@code ESC[6n}, …) to the terminal; picocli's own
 * detection never answers less than 55 columns.
 */
final class Terminal {
  private static volatile boolean resized = true;
  private static int columns = 80;

  private Terminal() {}

  /** Live redrawn lines only when standard input and output are a terminal. */
  static boolean live() {
    return System.console() != null;
  }

  /**
   * Colour only on a terminal, and not with {@code --no-color} or {@code NO_COLOR} set to anything
   * but the empty string (no-color.org).
   */
  static boolean colour(boolean noColorOption) {
    String env = System.getenv("NO_COLOR");
    return live() && !noColorOption && (env == null || env.isEmpty());
  }

  /** The terminal's width in columns, kept up to date across resizes. */
  static IntSupplier width() {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> resized = true);
    } catch (IllegalArgumentException e) {
      // no SIGWINCH here: the width read once is kept
    }
    return Terminal::columns;
  }

  private static synchronized int columns() {
    if (resized) {
      resized = false;
      columns = ask();
    }
    return columns;
  }

  /** {@code stty size} ("rows columns"), else {@code COLUMNS}, else 80. */
  static int ask() {
    try {
      Process p =
          new ProcessBuilder("stty", "size")
              .redirectInput(new File("/dev/tty"))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("\\d+ \\d+")) {
        int w = Integer.parseInt(out.split(" ")[1]);
        if (w > 0) {
          return w;
        }
      }
    } catch (IOException e) {
      // no stty or no /dev/tty: fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      return Math.max(20, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80")));
    } catch (NumberFormatException e) {
      return 80;
    }
  }
}
