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
            tm_d=$(mktemp -d "${TMPDIR:-/tmp}/tarmac-shell.XXXXXX") || exit 97
            trap 'rm -rf "$tm_d"' EXIT
            trap 'exit 98' HUP TERM INT PIPE
            tm_t=${tm_d##*.}
            tm_nl='
            '
            tm_job=
            tm_id=
            tm_kids() {
              tm_k=
              for tm_f in /proc/"$1"/task/*/children; do
                tm_x=
                read -r tm_x < "$tm_f" 2> /dev/null
                tm_k="$tm_k $tm_x"
              done
            }
            tm_stop() {
              kill -STOP "$1" 2> /dev/null || return 0
              tm_all="$tm_all $1"
              tm_kids "$1"
              for tm_x in $tm_k; do tm_stop "$tm_x"; done
            }
            tm_ack() {
              printf '@@tarmac ready %s\n' "$tm_id" >&3
              IFS= read -r tm_s || exit 125
              case $tm_s in
                go) ;;
                "go "*)
                  tm_u=${tm_s#go }
                  case $tm_u in '' | *[!0-9]*) exit 125 ;; esac
                  sleep "$((tm_u / 1000000)).$(printf %06d $((tm_u % 1000000)))" 2> /dev/null ;;
                *) exit 125 ;;
              esac
            }
            tm_send() {
              tm_o=0; tm_e=0
              [ ! -s "$tm_d/out" ] || tm_o=1
              [ ! -s "$tm_d/err" ] || tm_e=1
              printf '@@tarmac done %s %s %s %s\n' "$1" "$2" "$tm_o" "$tm_e"
              [ "$tm_o" = 0 ] || { tail -c 1048577 "$tm_d/out"; printf '\n@@tarmac end %s %s\n' "$1" "$tm_t"; }
              [ "$tm_e" = 0 ] || { tail -c 1048577 "$tm_d/err"; printf '\n@@tarmac end %s %s\n' "$1" "$tm_t"; }
            }
            printf '\n@@tarmac hello %s %s\n' 2 "$tm_t"
            while IFS=' ' read -r tm_kind tm_i tm_n; do
              if [ "$tm_kind" = kill ]; then
                [ "$tm_i" = "$tm_id" ] || continue
                tm_p=
                read -r tm_p < "$tm_d/pid" 2> /dev/null
                tm_kids "$tm_job"
                case " $tm_k " in *" $tm_p "*) ;; *) continue ;; esac
                tm_all=
                tm_stop "$tm_p"
                kill -"$tm_n" $tm_all 2> /dev/null
                kill -CONT $tm_all 2> /dev/null
                continue
              fi
              tm_c=
              while [ "$tm_n" -gt 0 ]; do
                IFS= read -r tm_l || exit 96
                tm_c="$tm_c$tm_l$tm_nl"
                tm_n=$((tm_n - 1))
              done
              [ -z "$tm_job" ] || wait "$tm_job"
              tm_id=$tm_i
              if [ "$tm_kind" = read ]; then
                tm_job=
                tm_o=$(eval "$tm_c" < /dev/null 2> "$tm_d/err")
                tm_r=$?
                if [ "${#tm_o}" -gt 65536 ]; then
                  printf '%s\n' "$tm_o" > "$tm_d/out"
                  tm_send "$tm_id" "$tm_r"
                  continue
                fi
                tm_e=0
                [ ! -s "$tm_d/err" ] || tm_e=1
                if [ -n "$tm_o" ]; then
                  printf '@@tarmac done %s %s 1 %s\n%s\n@@tarmac end %s %s\n' "$tm_id" "$tm_r" "$tm_e" "$tm_o" "$tm_id" "$tm_t"
                else
                  printf '@@tarmac done %s %s 0 %s\n' "$tm_id" "$tm_r" "$tm_e"
                fi
                [ "$tm_e" = 0 ] || { tail -c 1048577 "$tm_d/err"; printf '\n@@tarmac end %s %s\n' "$tm_id" "$tm_t"; }
              elif [ "$tm_kind" = gate ]; then
                tm_job=
                ( eval "$tm_c" ) 3>&1 > "$tm_d/out" 2> "$tm_d/err"
                tm_send "$tm_id" $?
              else
                ( ( eval "$tm_c" ) < /dev/null > "$tm_d/out" 2> "$tm_d/err" &
                  printf '%s\n' $! > "$tm_d/pid"
                  wait $!
                  tm_send "$tm_id" $? ) 2> /dev/null &
                tm_job=$!
              fi
            done
            [ -z "$tm_job" ] || wait "$tm_job\"""");
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
  void aReadIsAnsweredFromTheShellItselfAndLeavesTheLoopAsItWas(@TempDir Path dir)
      throws Exception {
    Process[] p = new Process[1];
    try (HostShell shell = noisyShell(p)) {
      CommandResult r = shell.read("echo out; echo; echo err >&2; exit 3", T);
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.stdout()).isEqualTo("out\n"); // trailing empty lines dropped, one newline
      assertThat(r.stderr()).isEqualTo("err\n");
      CommandResult empty = shell.read("true", T);
      assertThat(empty.ok()).isTrue();
      assertThat(empty.stdout()).isEmpty();
      assertThat(empty.stderr()).isEmpty();
      // output that looks like a frame is only output, here too
      CommandResult tricky =
          shell.read("printf '@@tarmac done 9 0 0 0\\n@@tarmac end 9 x\\nh\\303\\251'", T);
      assertThat(tricky.stdout()).isEqualTo("@@tarmac done 9 0 0 0\n@@tarmac end 9 x\nhé\n");
      // a read's cd, variables and exit stay in its own subshell; stdin is /dev/null
      String before = shell.read("pwd", T).stdout();
      assertThat(before).isNotEqualTo(dir + "\n");
      shell.read("cd " + dir + "; tm_t=spoiled; x=1; cat; exit 0", T);
      assertThat(shell.read("pwd; echo \"${x:-unset}\"", T).stdout()).isEqualTo(before + "unset\n");
      // reads and runs mix on one shell
      assertThat(shell.run("echo run", T).stdout()).isEqualTo("run\n");
      assertThat(shell.read("echo read", T).stdout()).isEqualTo("read\n");
      // a long answer goes the way of a run's (a file and tail), whole
      CommandResult big = shell.read("seq 1 30000", T);
      assertThat(big.stdout()).startsWith("1\n2\n").endsWith("\n29999\n30000\n");
      assertThat(big.stdout().length()).isEqualTo(168894);
      assertThat(shell.read("echo after", T).stdout()).isEqualTo("after\n");
    }
  }

  @Test
  void aReadThatOutlivesItsLimitEndsTheSessionNamingTheHost() throws Exception {
    Process[] p = new Process[1];
    HostShell shell = noisyShell(p);
    try {
      Instant start = Instant.now();
      assertThatThrownBy(() -> shell.read("sleep 30", Duration.ofSeconds(1)))
          .isInstanceOf(TransportException.class)
          .hasMessage("h1: no answer within 1 s to the read: sleep 30; the session was closed");
      assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
      assertThat(shell.alive()).isFalse();
      assertThatThrownBy(() -> shell.read("echo again", T)).isInstanceOf(TransportException.class);
    } finally {
      shell.close();
      p[0].destroyForcibly();
    }
  }

  @Test
  void largeOutputKeepsItsTailAndSaysWhatWasDropped() throws Exception {
    try (LocalTransport local = new LocalTransport("h1")) {
      CommandResult r = local.run("head -c 1500000 /dev/zero | tr '\\0' a; echo END", T);
      assertThat(r.ok()).isTrue();
      String dropped = "[output over 1 MiB: only its last MiB is kept]\n";
      // (lengths and ends compared, not the MiB itself: a failure message would print it)
      assertThat(r.stdout().startsWith(dropped)).isTrue();
      assertThat(r.stdout().endsWith("aaaEND\n")).isTrue();
      assertThat(r.stdout().length()).isEqualTo(dropped.length() + HostShell.OUTPUT_LIMIT);
      // exactly the limit, in many short lines, on both streams: kept whole
      CommandResult full =
          local.run(
              "seq 1 200000 | head -c 1048576; seq 1 200000 | head -c 1048576 >&2; echo x >&2", T);
      assertThat(full.stdout().length()).isEqualTo(HostShell.OUTPUT_LIMIT);
      assertThat(full.stdout().startsWith("1\n2\n3\n")).isTrue();
      assertThat(full.stderr().startsWith(dropped)).isTrue();
      assertThat(full.stderr().endsWith("16566x\n")).isTrue();
      assertThat(local.run("echo small", T).stdout()).isEqualTo("small\n");
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
  void aCommandStoppedForItsLimitTakesItsWholeProcessTreeWithIt(@TempDir Path dir)
      throws Exception {
    Path marker = dir.resolve("child-survived");
    Path stubborn = dir.resolve("stubborn-survived");
    try (LocalTransport local = new LocalTransport("h1")) {
      // a child and a grandchild in the background, the command waiting in the foreground
      assertThatThrownBy(
              () ->
                  local.run(
                      "(sleep 2; touch " + marker + ") & sh -c 'sleep 30' & wait",
                      Duration.ofSeconds(1)))
          .hasMessageContaining("h1: command timed out after 1 s");
      // a command that ignores TERM is killed after the grace period
      Instant start = Instant.now();
      assertThatThrownBy(
              () ->
                  local.run(
                      "trap '' TERM; (sleep 8; touch " + stubborn + ") ; echo never",
                      Duration.ofSeconds(1)))
          .hasMessageContaining("h1: command timed out after 1 s");
      assertThat(Duration.between(start, Instant.now()))
          .isLessThan(HostShell.KILL_GRACE.plusSeconds(3));
      assertThat(local.run("echo next", T).stdout()).isEqualTo("next\n");
      Thread.sleep(2500);
      assertThat(marker).doesNotExist();
      Thread.sleep(6000);
      assertThat(stubborn).doesNotExist();
    }
  }

  @Test
  void theLoopsOwnVariablesAndMultiLineCommandsDoNotLeakIntoCommands() throws Exception {
    try (LocalTransport local = new LocalTransport("h1")) {
      // commands ran under a fresh sh before; a command reading an unset variable still sees none
      CommandResult r =
          local.run("printf '[%s%s%s%s]\\n' \"$d\" \"$c\" \"$job\" \"$1\"\nx=2\n\necho \"$x\"", T);
      assertThat(r.stdout()).isEqualTo("[]\n2\n");
      // a variable a command sets does not reach the next command
      local.run("y=set", T);
      assertThat(local.run("echo \"[$y]\"", T).stdout()).isEqualTo("[]\n");
      // exit ends the command, not the shell
      assertThat(local.run("exit 4", T).exitCode()).isEqualTo(4);
      assertThat(local.run("echo alive", T).stdout()).isEqualTo("alive\n");
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
      Transport.Prepared cancelled = local.prepare(HostShell.acknowledged("touch " + marker), T);
      cancelled.awaitReady(T);
      cancelled.cancel();
      assertThat(marker).doesNotExist();
      assertThat(local.run("echo usable", T).stdout()).isEqualTo("usable\n");

      Transport.Prepared ready =
          local.prepare(HostShell.acknowledged("touch " + marker + " && echo ok"), T);
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
      HostShell.Gate gate = shell.gate(HostShell.acknowledged("touch " + marker), T);
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
