package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tarmac apps add} watches by default (issue 26: "a git tag triggers the build"). */
class AppsCommandTest {
  private static boolean watch(String... options) {
    String[] args = new String[4 + options.length];
    args[0] = "apps";
    args[1] = "add";
    args[2] = "shop";
    args[3] = "https://git.example.com/team/shop.git";
    System.arraycopy(options, 0, args, 4, options.length);
    CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args);
    AppsCommand.Add add =
        (AppsCommand.Add) parsed.subcommand().subcommand().commandSpec().userObject();
    return add.watch;
  }

  @Test
  void addWatchesUnlessToldNotTo() {
    assertThat(watch()).isTrue();
    assertThat(watch("--watch")).isTrue();
    assertThat(watch("--no-watch")).isFalse();
  }

  @Test
  void addSaysWhichTagsAreBuiltByThemselves() {
    assertThat(AppsCommand.watching("shop", true))
        .isEqualTo(
            "watched: every tag pushed from now on is built by itself (the service polls the"
                + " repository every tarmac.watch.interval, 60 s by default); the tags there now"
                + " are not: tarmac build shop TAG builds one");
    assertThat(AppsCommand.watching("shop", false))
        .isEqualTo(
            "not watched: tarmac build shop TAG builds a tag (or a webhook on tag push:"
                + " docs/webhooks.md)");
  }
}
