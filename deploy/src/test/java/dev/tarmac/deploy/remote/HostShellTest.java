package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one shell per host: its exact loop, and the protocol against a real {@code sh}. */
class HostShellTest {
  private static final Duration T = Duration.ofSeconds(10);

  @Test
  void theLoopExactString() {
    assertThat(HostShell.script())
        .isEqualTo(
            """
            d=$(mktemp -d "${TMPDIR:-/tmp}/tarmac-shell.XXXXXX") || exit 97
            trap 'rm -rf "$d"' EXIT
            trap 'exit 98' HUP TERM INT PIPE
            printf '\\n@@tarmac hello %s\\n' 1
            while IFS=' ' read -r kind id len limit; do
              head -c "$len" > "$d/cmd" || exit 96
              if [ "$kind" = gate ]; then
                ( printf '@@tarmac ready %s\\n' "$id" >&3
                  IFS= read -r signal || exit 125
                  [ "$signal" = go ] || exit 125
                  . "$d/cmd" < /dev/null ) 3>&1 > "$d/out" 2> "$d/err"
              else
                timeout -k 5 "$limit" sh "$d/cmd" < /dev/null > "$d/out" 2> "$d/err"
              fi
              rc=$?
              if [ ! -s "$d/out" ] && [ ! -s "$d/err" ]; then
                printf '@@tarmac done %s %s 0 0 0 0\\n' "$id" "$rc"
                continue
              fi
              set -- $(wc -c < "$d/out") $(wc -c < "$d/err")
              o=$1; e=$2; ok=$o; ek=$e
              [ "$ok" -le 1048576 ] || ok=1048576
              [ "$ek" -le 1048576 ] || ek=1048576
              printf '@@tarmac done %s %s %s %s %s %s\\n' "$id" "$rc" "$ok" $((o - ok)) "$ek" $((e - ek))
              tail -c "$ok" "$d/out"
              tail -c "$ek" "$d/err"
            done""");
    assertThat(HostShell.start()).isEqualTo("exec sh -c " + Shell.quote(HostShell.script()));
  }

  /** A shell started the way SSH starts it: through a login shell that prints noise first. */
  private static HostShell noisyShell(Process[] started) throws IOException {
    Process p =
        new ProcessBuilder(
                "sh",
                "-c",
                "printf 'pyenv: warming up\\n@@tarmac done 1 0 0 0 0 0\\nno newline'; echo warn >&2;"
                    + " exec sh -c \"$0\"",
                HostShell.script())
            .start();
    started[0] = p;
    return new HostShell(
        "h1",
        p.getInputStream(),
        p.getErrorStream(),
        p.getOutputStream(),
        p::destroy,
        Duration.ofSeconds(10));
  }

  @Test
  void commandsAreFramedWithTheirOwnExitStatusAndOutput() throws Exception {
    Process[] p = new Process[1];
    try (HostShell shell = noisyShell(p)) {
      CommandResult r = shell.run("echo out; echo err >&2; exit 3", T);
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.stdout()).isEqualTo("out\n");
      assertThat(r.stderr()).isEqualTo("err\n");
      // output that looks like a frame is only output: lengths frame it
      CommandResult tricky =
          shell.run("printf '@@tarmac done 9 0 0 0 0 0\\n'; printf 'h\\303\\251 no newline'", T);
      assertThat(tricky.ok()).isTrue();
      assertThat(tricky.stdout()).isEqualTo("@@tarmac done 9 0 0 0 0 0\nhé no newline");
      // standard input is /dev/null: a command that reads it cannot eat the next commands
      CommandResult cat = shell.run("cat; echo after-cat", T);
      assertThat(cat.stdout()).isEqualTo("after-cat\n");
      assertThat(shell.run("echo still here", T).stdout()).isEqualTo("still here\n");
    }
  }

  @Test
  void largeOutputKeepsItsTailAndSaysWhatWasDropped() throws Exception {
    try (LocalTransport local = new LocalTransport("h1")) {
      CommandResult r = local.run("head -c 1500000 /dev/zero | tr '\\0' a; echo END", T);
      assertThat(r.ok()).isTrue();
      assertThat(r.stdout()).startsWith("[451428 bytes of output dropped]\n").endsWith("aEND\n");
    }
  }

  @Test
  void aCommandThatOutlivesItsLimitIsStoppedAndTheShellGoesOn(@TempDir Path dir) throws Exception {
    try (LocalTransport local = new LocalTransport("h1")) {
      Instant start = Instant.now();
      assertThatThrownBy(() -> local.run("sleep 30", Duration.ofSeconds(1)))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("h1: command timed out after 1 s");
      assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
      assertThat(local.run("echo next", T).stdout()).isEqualTo("next\n");
      assertThat(local.sessionsOpened()).isEqualTo(1);
    }
  }

  @Test
  void aShellThatDiesIsAFailedHostNamed() throws Exception {
    Process[] p = new Process[1];
    try (HostShell shell = noisyShell(p)) {
      assertThat(shell.run("echo up", T).ok()).isTrue();
      p[0].destroyForcibly();
      assertThatThrownBy(() -> shell.run("echo again", T))
          .isInstanceOf(TransportException.class)
          .hasMessageStartingWith("h1: ")
          .hasMessageContaining("the shell ended");
    }
  }

  @Test
  void aGateRunsOnlyOnItsSignalAfterItWasAcknowledged(@TempDir Path dir) throws Exception {
    try (LocalTransport local = new LocalTransport("h1")) {
      Path marker = dir.resolve("ran");
      Transport.Prepared cancelled = local.prepare("touch " + marker, T);
      cancelled.awaitReady(T);
      cancelled.cancel();
      assertThat(marker).doesNotExist();
      assertThat(local.run("echo usable", T).stdout()).isEqualTo("usable\n");

      Transport.Prepared ready = local.prepare("touch " + marker + " && echo ok", T);
      ready.awaitReady(T);
      Thread.sleep(100);
      assertThat(marker).doesNotExist();
      CommandResult r = ready.await(ready.signal());
      assertThat(r.ok()).isTrue();
      assertThat(r.stdout()).isEqualTo("ok\n");
      assertThat(marker).exists();
      assertThat(local.sessionsOpened()).isEqualTo(1);
    }
  }

  @Test
  void aGateThatIsNotAcknowledgedInTimeFailsAndNeverRuns(@TempDir Path dir) throws Exception {
    Process[] p = new Process[1];
    try (HostShell shell = noisyShell(p)) {
      assertThat(shell.run("echo up", T).ok()).isTrue();
      Path marker = dir.resolve("ran");
      // a stuck host: its shell does not read what is sent to it
      new ProcessBuilder("kill", "-STOP", Long.toString(p[0].pid())).start().waitFor();
      HostShell.Gate gate = shell.gate("touch " + marker, T);
      assertThatThrownBy(() -> gate.awaitReady(Duration.ofMillis(500)))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("h1: no answer within 0 s while waiting for it to acknowledge");
      gate.cancel();
      new ProcessBuilder("kill", "-CONT", Long.toString(p[0].pid())).start().waitFor();
      p[0].waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(p[0].isAlive()).isFalse();
      assertThat(marker).doesNotExist();
      assertThatThrownBy(() -> shell.run("echo again", T)).isInstanceOf(TransportException.class);
    }
  }
}
