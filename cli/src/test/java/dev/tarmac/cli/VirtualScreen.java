package dev.tarmac.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A terminal of a fixed width reading what the CLI wrote: text, {@code \r}, {@code \n} (as a tty
 * with onlcr shows it), cursor up ({@code ESC[nA}), clear to the end of the screen ({@code ESC[J})
 * or line ({@code ESC[K}, {@code ESC[2K}); colours and other sequences are skipped. Like xterm, a
 * character written when the cursor is past the last column goes to the next row: that row is
 * recorded as wrapped.
 */
final class VirtualScreen {
  private static final Pattern CSI = Pattern.compile("\033\\[([0-9;?]*)([A-Za-z])");
  private final int width;
  private final List<StringBuilder> rows = new ArrayList<>(List.of(new StringBuilder()));
  private final List<String> wrapped = new ArrayList<>();
  private int row;
  private int col;

  VirtualScreen(int width) {
    this.width = width;
  }

  VirtualScreen feed(String s) {
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\033') {
        Matcher m = CSI.matcher(s).region(i, s.length());
        if (m.lookingAt()) {
          csi(m.group(1), m.group(2).charAt(0));
          i = m.end();
        } else {
          i += 2;
        }
        continue;
      }
      if (c == '\r') {
        col = 0;
      } else if (c == '\n') {
        row++;
        col = 0;
        ensure();
      } else if (c >= ' ') {
        if (col == width) {
          wrapped.add(rows.get(row).toString());
          row++;
          col = 0;
          ensure();
        }
        StringBuilder r = rows.get(row);
        while (r.length() < col) {
          r.append(' ');
        }
        if (col < r.length()) {
          r.setCharAt(col, c);
        } else {
          r.append(c);
        }
        col++;
      }
      i++;
    }
    return this;
  }

  private void csi(String arg, char op) {
    int n = arg.isEmpty() || arg.startsWith("?") ? 1 : Integer.parseInt(arg.split(";")[0]);
    switch (op) {
      case 'A' -> row = Math.max(0, row - n);
      case 'J' -> {
        rows.get(row).setLength(Math.min(col, rows.get(row).length()));
        while (rows.size() > row + 1) {
          rows.remove(rows.size() - 1);
        }
      }
      case 'K' -> {
        if (arg.equals("2")) {
          rows.get(row).setLength(0);
        } else {
          rows.get(row).setLength(Math.min(col, rows.get(row).length()));
        }
      }
      default -> {}
    }
  }

  private void ensure() {
    while (rows.size() <= row) {
      rows.add(new StringBuilder());
    }
  }

  /** The screen's rows, top to bottom, without trailing blanks. */
  List<String> lines() {
    return rows.stream().map(r -> r.toString().stripTrailing()).toList();
  }

  /** The rows that a character wrapped out of (what they held when it wrapped). */
  List<String> wrapped() {
    return wrapped;
  }
}
