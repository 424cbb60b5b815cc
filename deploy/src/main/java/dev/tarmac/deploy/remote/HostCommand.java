package dev.tarmac.deploy.remote;

import java.util.Objects;
import java.util.function.Function;

/**
 * One command for a host as a value: the task name it runs as ({@code label}), its exact shell
 * text, and the parser of what it printed, so that a command and the reading of its output live in
 * one place (docs/architecture.md, "One shell per host"; after Kamal's {@code
 * lib/kamal/commands/base.rb}, whose {@code combine} joins commands with {@code &&}). Builders in
 * this package return it and do no I/O; the release's {@code Fleet} is the one sender, which adds
 * the fencing prefix, and {@link HostShell} frames the text.
 *
 * @param <T> what {@link #parse} makes of the command's result
 */
public record HostCommand<T>(String label, String text, Function<CommandResult, T> parser) {
  public HostCommand {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(parser, "parser");
    if (label.isBlank()) {
      throw new IllegalArgumentException("a host command needs a label (its task name)");
    }
  }

  /** A command whose result is used as it is. */
  public static HostCommand<CommandResult> of(String label, String text) {
    return new HostCommand<>(label, text, r -> r);
  }

  /** The same command, its result read by {@code parse}. */
  public <U> HostCommand<U> parsing(Function<CommandResult, U> parse) {
    return new HostCommand<>(label, text, parse);
  }

  /** The same command and parser under another task name. */
  public HostCommand<T> named(String other) {
    return new HostCommand<>(other, text, parser);
  }

  /**
   * This command, then {@code next} only when this one succeeded ({@code &&}, as Kamal's {@code
   * combine}): one command under this one's label, whose result is {@code next}'s, read by its
   * parser.
   */
  public <U> HostCommand<U> then(HostCommand<U> next) {
    return new HostCommand<>(label, text + " && " + next.text, next.parser);
  }

  /** {@code prefix} (whole lines, ending in a newline), then this command: how fencing is added. */
  public HostCommand<T> prefixed(String prefix) {
    return new HostCommand<>(label, prefix + text, parser);
  }

  /** What the command's result says, by its parser. */
  public T parse(CommandResult result) {
    return parser.apply(result);
  }
}
