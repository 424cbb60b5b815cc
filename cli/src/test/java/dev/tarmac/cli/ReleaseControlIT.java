package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.cli.TarmacCli.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A release the CLI does not see to its end, against the service as a process and three {@code
 * local} hosts: v2 waits in its prepare hook until the test opens a gate, so the test knows where
 * the release is when it interrupts, cancels or kills.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReleaseControlIT {
  static Path dir;
  static Path gate;
  static ServiceProcess service;

  @BeforeAll
  static void start() throws Exception {
    dir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target").toAbsolutePath()), "control-it-");
    gate = Files.createDirectories(dir.resolve("gate"));
    Path repo = Files.createDirectories(dir.resolve("repo/public"));
    Path hosts = dir.resolve("hosts");
    String environments =
        "environments:\n  gate:\n    hosts:\n"
            + "      - { name: web1, address: local, deploy_to: "
            + hosts.resolve("web1")
            + " }\n"
            + "      - { name: web2, address: local, deploy_to: "
            + hosts.resolve("web2")
            + " }\n";
    try (Git git =
        Git.init().setDirectory(repo.getParent().toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("index.html"), "v1\n");
      Files.writeString(repo.getParent().resolve("tarmac.yml"), "app: demo\n" + environments);
      DemoCommand.commitAndTag(git, "v1.0.0", 0);
      Files.writeString(repo.resolve("index.html"), "v2\n");
      // v2 waits in prepare, on every host, until the test opens the gate
      Files.writeString(
          repo.getParent().resolve("tarmac.yml"),
          "app: demo\nrelease:\n  hooks:\n    prepare:\n      - \"touch "
              + gate
              + "/started-$TARMAC_HOST; while [ ! -f "
              + gate
              + "/open ]; do sleep 0.1; done\"\n"
              + environments);
      DemoCommand.commitAndTag(git, "v2.0.0", 1);
      // v3 fails in prepare on web2, with a long message
      Files.writeString(repo.resolve("index.html"), "v3\n");
      Files.writeString(
          repo.getParent().resolve("tarmac.yml"),
          "app: demo\nrelease:\n  hooks:\n    prepare:\n      - '[ \"$TARMAC_HOST\" != web2 ] || {"
              + " echo broken on purpose, and this sentence is long enough to wrap twice; exit 1; }'\n"
              + environments);
      DemoCommand.commitAndTag(git, "v3.0.0", 2);
    }
    service =
        ServiceProcess.start(
            dir.resolve("service"),
            ServiceProcess.freePort(),
            List.of(
                "tarmac.release.local-hosts=" + dir,
                "tarmac.release.local-user=" + System.getProperty("user.name")),
            dir.resolve("service.log"));
    new ApiClient(service.url(), service.token())
        .post("/api/apps", Map.of("name", "demo", "repo", repo.getParent().toUri().toString()));
    assertThat(tarmac("build", "demo", "v1.0.0").exit()).isZero();
    assertThat(tarmac("build", "demo", "v2.0.0").exit()).isZero();
    assertThat(tarmac("build", "demo", "v3.0.0").exit()).isZero();
    assertThat(tarmac("env", "import", "demo", "gate", "--from", "v1.0.0").exit()).isZero();
    Run first = tarmac("release", "demo", "v1.0.0", "--env", "gate");
    assertThat(first.exit()).as(first.out() + first.err()).isZero();
  }

  @AfterAll
  static void stop() throws Exception {
    Files.writeString(gate.resolve("open"), "");
    if (service != null) {
      service.close();
    }
  }

  static Map<String, String> env() {
    return Map.of("TARMAC_URL", service.url().toString(), "TARMAC_TOKEN", service.token());
  }

  static Run tarmac(String... args) throws Exception {
    return TarmacCli.run(dir, env(), args);
  }

  /** Starts {@code tarmac args}, its standard error to {@code err}. */
  static Process started(Path err, String... args) throws Exception {
    return TarmacCli.start(dir, err, env(), args);
  }

  /** Waits until every host's prepare hook of v2 is running. */
  static void awaitHooks() throws Exception {
    for (int i = 0; i < 600; i++) {
      if (Files.exists(gate.resolve("started-web1"))
          && Files.exists(gate.resolve("started-web2"))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the prepare hooks did not start; " + ServiceProcess.tail(service.log()));
  }

  static String current(String host) throws Exception {
    return Files.readSymbolicLink(dir.resolve("hosts").resolve(host).resolve("current")).toString();
  }

  /** Closes the gate again and forgets which hooks started, for the next test. */
  static void resetGate() throws Exception {
    for (String f : List.of("open", "started-web1", "started-web2")) {
      Files.deleteIfExists(gate.resolve(f));
    }
  }

  @Test
  @Order(1)
  void ctrlCLeavesTheReleaseRunningAndSaysHowToFollowOrCancelIt() throws Exception {
    Process release =
        startUnderPty(
            80,
            Map.of(),
            TarmacCli.command("release", "demo", "v2.0.0", "--env", "gate"),
            dir.resolve("interrupted.err"));
    awaitHooks();
    // a person pressing Ctrl-C: the byte goes through the pseudo-terminal, whose line discipline
    // sends SIGINT to the foreground process group
    release.getOutputStream().write(3);
    release.getOutputStream().flush();
    String seen = outputWithin(release, 30);
    assertThat(release.exitValue()).as(seen).isEqualTo(130);
    assertThat(seen.replace("\r\n", "\n"))
        .contains("release #2 goes on in the service.")
        .contains("  follow it: tarmac follow demo 2 --env gate\n")
        .contains("  cancel it: tarmac cancel demo 2 --env gate\n");
    assertThat(
            tarmac("history", "demo", "--env", "gate", "--json")
                .json()
                .get(0)
                .path("status")
                .asText())
        .isEqualTo("PREPARING");

    Path followErr = dir.resolve("follow.err");
    Process follow = started(followErr, "follow", "demo", "2", "--env", "gate");
    // follow has read the running record (its first line) before the cancel: else, when its JVM
    // starts slower than the cancel and the release's end, it finds the release ended
    StringBuilder head = new StringBuilder();
    for (int c = follow.getInputStream().read(); c != -1; c = follow.getInputStream().read()) {
      head.append((char) c);
      if (c == '\n') {
        break;
      }
    }
    Run cancel = tarmac("cancel", "demo", "2", "--env", "gate");
    assertThat(cancel.exit()).as(cancel.err()).isZero();
    assertThat(cancel.out())
        .contains("release #2 (demo v2.0.0 to gate) will stop at its next safe point")
        .contains("tarmac follow demo 2 --env gate");
    Files.writeString(gate.resolve("open"), "");
    String out = head + new String(follow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(follow.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(follow.exitValue())
        .as(out + Files.readString(followErr))
        .isEqualTo(CliException.REMOTE);
    assertThat(out).startsWith("release #2: demo v2.0.0 to gate\n").contains("release #2 FAILED");
    assertThat(Files.readString(followErr))
        .isEqualTo(
            "tarmac: demo v2.0.0 to gate: cancelled before the switch; nothing was activated"
                + " (v1.0.0 still serves)\n");
    for (String h : List.of("web1", "web2")) {
      assertThat(current(h)).isEqualTo("releases/v1.0.0");
      assertThat(dir.resolve("hosts").resolve(h).resolve("releases/v2.0.0")).doesNotExist();
    }
    Run again = tarmac("cancel", "demo", "2", "--env", "gate");
    assertThat(again.exit()).isEqualTo(CliException.REMOTE);
    assertThat(again.err())
        .isEqualTo("tarmac: #2 of demo in gate is FAILED; there is nothing to cancel\n");
    Run unknown = tarmac("cancel", "demo", "77", "--env", "gate");
    assertThat(unknown.exit()).isEqualTo(CliException.NOT_FOUND);
    // a run that ended is followed to its timeline at once
    Run ended = tarmac("follow", "demo", "1", "--env", "gate");
    assertThat(ended.exit()).as(ended.err()).isZero();
    assertThat(ended.out()).contains("(ended LIVE)").contains("release #1 LIVE");
    resetGate();
  }

  /**
   * {@code tarmac release demo v3.0.0 --env gate} under a pseudo-terminal of {@code columns} (util-
   * linux {@code script}), with {@code env}; what the terminal received.
   */
  static Run underPty(int columns, Map<String, String> extraEnv, String... extraArgs)
      throws Exception {
    List<String> args =
        new java.util.ArrayList<>(TarmacCli.command("release", "demo", "v3.0.0", "--env", "gate"));
    args.addAll(List.of(extraArgs));
    Path err = dir.resolve("pty.err");
    Process p = startUnderPty(columns, extraEnv, args, err);
    p.getOutputStream().close();
    String out = outputWithin(p, 120);
    return new Run(p.exitValue(), out, Files.readString(err));
  }

  /** What {@code p} wrote, once it ended; it is killed, and the test fails, if not in time. */
  static String outputWithin(Process p, int seconds) throws Exception {
    java.util.concurrent.CompletableFuture<byte[]> out =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return p.getInputStream().readAllBytes();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(
          "still running after "
              + seconds
              + " s; it showed: "
              + new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
    return new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
  }

  /**
   * {@code command} started under a pseudo-terminal of {@code columns} (util-linux {@code script}):
   * what is written to the process's standard input is typed at that terminal, its standard output
   * is what the terminal received (the command's standard error included); {@code err} gets only
   * what {@code script} itself says.
   */
  static Process startUnderPty(
      int columns, Map<String, String> extraEnv, List<String> command, Path err) throws Exception {
    // env --default-signal: a suite started in the background (as `cmd &` in a script is) runs
    // with SIGINT ignored, and an ignored signal stays ignored across exec: the CLI would never
    // see the Ctrl-C
    StringBuilder line =
        new StringBuilder("stty cols " + columns + " rows 50; exec env --default-signal=INT");
    for (String a : command) {
      line.append(" '").append(a.replace("'", "'\\''")).append("'");
    }
    ProcessBuilder pb = new ProcessBuilder("script", "-qfec", line.toString(), "/dev/null");
    pb.environment().putAll(env());
    pb.environment().put("TERM", "xterm");
    pb.environment().remove("NO_COLOR");
    pb.environment().putAll(extraEnv);
    pb.redirectError(err.toFile());
    return pb.start();
  }

  /** What a person sees at the end: one line per host, none wrapped, none stale. */
  static void assertOneLinePerHostNeverWrapped(Run run, int columns) {
    VirtualScreen screen = new VirtualScreen(columns).feed(run.out());
    String shown = String.join("\n", screen.lines());
    assertThat(run.exit()).as(shown + run.err()).isEqualTo(CliException.REMOTE);
    assertThat(screen.wrapped())
        .as("rows that wrapped, at %d columns:\n%s", columns, shown)
        .noneMatch(r -> r.matches("(web[12] {8}|== ).*"));
    List<String> live = screen.lines().stream().filter(l -> l.matches("web[12] {8}.*")).toList();
    assertThat(live).as(shown).hasSize(2);
    assertThat(live).allMatch(l -> l.length() < columns, "shorter than the terminal");
    assertThat(live.get(0)).as(shown).startsWith("web1").doesNotEndWith(" …");
    assertThat(live.get(1)).as(shown).startsWith("web2        prepare hooks FAILED");
  }

  @Test
  @Order(2)
  void progressUnderAPseudoTerminalNeverWrapsAndLeavesNoStaleLine() throws Exception {
    Run wide = underPty(80, Map.of());
    assertOneLinePerHostNeverWrapped(wide, 80);
    assertThat(wide.out()).contains(LiveLines.GREEN).contains(LiveLines.RED);

    Run narrow = underPty(40, Map.of("NO_COLOR", "1"));
    assertOneLinePerHostNeverWrapped(narrow, 40);
    assertThat(narrow.out()).doesNotContain("\033[3").doesNotContain(LiveLines.BOLD);

    Run plain = underPty(80, Map.of(), "--no-color");
    assertOneLinePerHostNeverWrapped(plain, 80);
    assertThat(plain.out()).doesNotContain("\033[3");

    // not a terminal: no redrawing, no colour
    Run piped = tarmac("release", "demo", "v3.0.0", "--env", "gate");
    assertThat(piped.out()).doesNotContain("\033[");
  }

  @Test
  @Order(99)
  void aServiceLostMidReleaseIsExit7WithOneSentence() throws Exception {
    Path err = dir.resolve("lost.err");
    Process release = started(err, "release", "demo", "v2.0.0", "--env", "gate");
    awaitHooks();
    service.kill();
    String out = new String(release.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(release.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String stderr = Files.readString(err);
    assertThat(release.exitValue()).as(out + stderr).isEqualTo(CliException.UNREACHABLE);
    assertThat(stderr.lines().toList())
        .as(stderr)
        .singleElement()
        .asString()
        .startsWith("tarmac: lost the Tarmac service at " + service.url())
        .contains("tarmac history demo --env gate")
        .doesNotContain("Exception");
  }
}
