package dev.tarmac.cli;

/** What this process's standard output is: a terminal or not. */
final class Terminal {
  private Terminal() {}

  /** Live redrawn lines only on a terminal. */
  static boolean live() {
    return System.console() != null;
  }
}
