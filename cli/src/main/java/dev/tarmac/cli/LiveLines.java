package dev.tarmac.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * One line per host at the bottom of a terminal, redrawn in place; lines that stay (phases) are
 * written above them. A host's line is cut to one column less than the terminal's width, so it
 * never wraps and the cursor moves back up exactly the rows it drew; when the terminal got narrower
 * since, the rows the old lines now take are counted instead. Everything below the block's top is
 * cleared before it is drawn again, so no stale line stays.
 */
final class LiveLines {
  static final String GREEN = "\033[32m";
  static final String RED = "\033[31m";
  static final String YELLOW = "\033[33m";
  static final String BOLD = "\033[1m";
  private static final String RESET = "\033[0m";

  /** A host's line: a plain prefix, then a state shown in {@code colour} (null: none). */
  record Line(String prefix, String state, String colour) {}

  private final PrintStream out;
  private final IntSupplier width;
  private final boolean colour;
  // hosts in a stable order whichever answers first: by name, numbers by value (web2 before web10)
  private final Map<String, Line> lines = new java.util.TreeMap<>(LiveLines::byName);
  private final List<Integer> drawn = new ArrayList<>(); // visible length of each line drawn

  LiveLines(PrintStream out, IntSupplier width, boolean colour) {
    this.out = out;
    this.width = width;
    this.colour = colour;
  }

  void put(String host, Line line) {
    lines.put(host, line);
    draw(null, null);
  }

  /** A line that stays, above the hosts' lines (it may wrap: it is never redrawn). */
  void above(String text, String colourOfText) {
    draw(text, colourOfText);
  }

  private void draw(String text, String colourOfText) {
    int w = Math.max(2, width.getAsInt());
    StringBuilder b = new StringBuilder("\r");
    int up = 0;
    for (int len : drawn) {
      up += Math.max(1, (len + w - 1) / w);
    }
    if (up > 0) {
      b.append("\033[").append(up).append('A');
    }
    b.append("\033[J");
    if (text != null) {
      b.append(paint(text, colourOfText)).append('\n');
    }
    drawn.clear();
    for (Line l : lines.values()) {
      String plain = fit(l.prefix() + l.state(), w - 1);
      String state = plain.substring(Math.min(plain.length(), l.prefix().length()));
      b.append(plain, 0, plain.length() - state.length())
          .append(paint(state, l.colour()))
          .append('\n');
      drawn.add(plain.length());
    }
    out.print(b);
    out.flush();
  }

  private String paint(String s, String code) {
    return colour && code != null && !s.isEmpty() ? code + s + RESET : s;
  }

  static int byName(String a, String b) {
    java.util.regex.Matcher x = PARTS.matcher(a);
    java.util.regex.Matcher y = PARTS.matcher(b);
    while (x.find() && y.find()) {
      String p = x.group();
      String q = y.group();
      int c =
          Character.isDigit(p.charAt(0)) && Character.isDigit(q.charAt(0))
              ? new java.math.BigInteger(p).compareTo(new java.math.BigInteger(q))
              : p.compareTo(q);
      if (c != 0) {
        return c;
      }
    }
    return a.compareTo(b);
  }

  private static final java.util.regex.Pattern PARTS = java.util.regex.Pattern.compile("\\d+|\\D+");

  /** {@code s} in at most {@code columns} characters, cut with "…". */
  static String fit(String s, int columns) {
    if (s.length() <= columns) {
      return s;
    }
    return columns <= 1 ? s.substring(0, Math.max(0, columns)) : s.substring(0, columns - 1) + "…";
  }
}
