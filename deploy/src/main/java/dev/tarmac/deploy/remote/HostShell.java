package dev.tarmac.deploy.remote;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived {@code sh} on a host, started once, to which every command of a release is sent
 * framed (the design in docs/architecture.md, "One shell per host"): a header line {@code <kind>
 * <id> <lines>} and the command's lines. The loop costs the host no program of its own per command
 * (docs/architecture.md, "What a command costs on a host"): it reads the command with the shell's
 * {@code read}, runs it in a forked subshell ({@code eval}, no {@code exec}) with standard input
 * from {@code /dev/null} (no hook can eat the stream) and its output into files, and answers
 * {@code @@tarmac done <id> <exit> <has-out> <has-err>}, followed by each non-empty output (its
 * last MiB) closed by a line {@code @@tarmac end <id> <token>}, where the token is random per
 * shell. A login shell that prints something before the loop starts ({@code .bashrc}) is skipped:
 * nothing counts before the {@code @@tarmac hello} line.
 *
 * <p>A {@code run} command runs in the background of the loop, which goes on reading: a command
 * that outlives its limit is ended by a {@code kill <id> <signal>} frame, which stops, signals and
 * continues the command's whole process tree (found in {@code /proc}), TERM first, KILL {@link
 * #KILL_GRACE} later.
 *
 * <p>A {@code gate} frame is a command that waits: it answers {@code @@tarmac ready <id>} (on file
 * descriptor 3, the loop's output) as soon as the host holds it, then waits for one line of the
 * loop's input, {@code go} (go on), {@code go <µs>} (go on that many microseconds after the line
 * came: the moment every host was given) or anything else (exit 125, having changed nothing). That
 * is how every host acknowledges that it is staged before any host is switched. The command says it
 * itself: the loop's {@code tm_ack} does both halves ({@link #acknowledged}), or a program the
 * command starts before it answers does them and then acts at once, with no program to start after
 * the {@code go} (the switch's waiter, {@code SwitchCommands.atGo}; docs/architecture.md, "The
 * switch's waiter"). What runs after the {@code go} reads nothing of the loop's input.
 *
 * <p>A {@code read} frame is a short read-only command (the status of a host): the loop runs it in
 * its foreground, its output taken by command substitution, and answers as for {@code run}; no file
 * and no {@code tail} for a short output, so the host forks once ({@link #read}).
 *
 * <p>One command at a time: {@link #run}, {@link #read} and a gate hold the shell until their
 * answer arrives.
 */
public final class HostShell implements AutoCloseable {
  /** The protocol's version, in the hello line. */
  static final int VERSION = 2;

  /** Output kept per stream and command: the last MiB (the host sends one byte more, to tell). */
  static final int OUTPUT_LIMIT = 1 << 20;

  /** Exit code of a gate told not to run. */
  public static final int NOT_RUN = 125;

  /** How long a command told to end (TERM) has before it is killed (KILL). */
  static final Duration KILL_GRACE = Duration.ofSeconds(5);

  /**
   * The loop the host runs, as the argument of {@code sh -c}: a pure function, tested as an exact
   * string. Per command it forks (a subshell, and one for the answer) and execs nothing but {@code
   * tail} for an output that is not empty; it needs {@code mktemp} and {@code tail} (coreutils) and
   * Linux's {@code /proc/<pid>/task/<tid>/children} to end a command's process tree. Its variables
   * and functions start with {@code tm_}, out of the commands' way.
   */
  public static String script() {
    return """
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
        [ -z "$tm_job" ] || wait "$tm_job\"""";
  }

  /**
   * {@code command} as a gate the loop acknowledges: {@code tm_ack} answers ready and waits for the
   * {@code go}, then {@code command} runs with nothing of the loop's input or output.
   */
  public static String acknowledged(String command) {
    return "tm_ack\n{ " + command + "\n} < /dev/null 3>&-";
  }

  /** The command that starts the loop through the user's login shell. */
  public static String start() {
    return "exec sh -c " + Shell.quote(script());
  }

  /** A frame from the host. */
  private record Frame(String kind, long id, int exit, String out, String err, Instant at) {}

  private final String host;
  private final OutputStream in;
  private final Runnable closer;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final Semaphore busy = new Semaphore(1);
  private final StringBuffer errTail = new StringBuffer();
  private long nextId = 1;
  private volatile String broken;
  private volatile boolean lost; // broken because the connection or the shell ended
  private volatile boolean ended; // the reader saw the end of the shell's output
  private volatile String token;

  /**
   * Talks to a started loop: {@code out} is its standard output, {@code err} its standard error
   * (kept for messages when the shell dies), {@code in} its standard input; {@code closer} ends it.
   */
  public HostShell(
      String host,
      InputStream out,
      InputStream err,
      OutputStream in,
      Runnable closer,
      Duration helloTimeout) {
    this.host = host;
    this.in = in;
    this.closer = closer;
    Thread reader =
        new Thread(() -> read(new java.io.BufferedInputStream(out)), "tarmac-shell-" + host);
    reader.setDaemon(true);
    reader.start();
    Thread errReader = new Thread(() -> keepTail(err), "tarmac-shell-err-" + host);
    errReader.setDaemon(true);
    errReader.start();
    Frame hello = next(helloTimeout, "starting its shell");
    if (!hello.kind().equals("hello")) {
      throw fail("the shell did not start (" + hello.kind() + ")" + stderr());
    }
  }

  /**
   * Runs {@code command} through {@code sh}; one that outlives {@code timeout} is ended (its whole
   * process tree: TERM, then KILL after {@link #KILL_GRACE}) and reported as timed out.
   */
  public CommandResult run(String command, Duration timeout) {
    acquire();
    try {
      long id = send("run", command);
      Instant started = Instant.now();
      String what = LocalTransport.summary(command);
      Frame done = poll(timeout, what);
      if (done == null) {
        write("kill " + id + " TERM\n");
        done = poll(KILL_GRACE, what);
        if (done == null) {
          write("kill " + id + " KILL\n");
          next(Duration.ofSeconds(10), "ending " + what);
        }
        throw new TransportException(
            host
                + ": command timed out after "
                + timeout.toSeconds()
                + " s (it was stopped): "
                + what);
      }
      return result(done, id, started);
    } finally {
      busy.release();
    }
  }

  /**
   * Runs a short read-only command whose answer is a few lines of text, in the loop's foreground:
   * its output is taken by the shell's command substitution, so the host forks once and runs no
   * program of its own (docs/architecture.md, "What a command costs on a host"). Trailing empty
   * lines of the output are dropped, and it ends with one newline. It cannot be stopped by a {@code
   * kill} frame: one that outlives {@code timeout} ends the session (the host is named), which a
   * read can afford and a release's command could not.
   */
  public CommandResult read(String command, Duration timeout) {
    acquire();
    try {
      long id = send("read", command);
      Instant started = Instant.now();
      String what = LocalTransport.summary(command);
      Frame done = poll(timeout, what);
      if (done == null) {
        throw kill("no answer within " + timeout.toSeconds() + " s to the read: " + what);
      }
      CommandResult r = result(done, id, started);
      String out = r.stdout().replaceAll("\n+$", "");
      return new CommandResult(
          r.exitCode(), out.isEmpty() ? "" : out + "\n", r.stderr(), r.startedAt(), r.finishedAt());
    } finally {
      busy.release();
    }
  }

  /** A command sent and acknowledged, waiting for its signal. */
  public final class Gate implements Transport.Prepared {
    private final long id;
    private final String command;
    private final Duration timeout;
    private boolean ready;
    private boolean settled;

    private Gate(long id, String command, Duration timeout) {
      this.id = id;
      this.command = command;
      this.timeout = timeout;
    }

    @Override
    public void awaitReady(Duration limit) {
      Frame f = next(limit, "waiting for it to acknowledge: " + LocalTransport.summary(command));
      if (!f.kind().equals("ready") || f.id() != id) {
        settle();
        throw fail("expected the acknowledgement of command " + id + ", got " + f.kind());
      }
      ready = true;
    }

    @Override
    public Instant signal(long atNanos) {
      Instant now = Instant.now();
      long micros = (atNanos - System.nanoTime()) / 1000;
      write(micros > 0 ? "go " + micros + "\n" : "go\n");
      return micros > 0 ? now.plusNanos(micros * 1000) : now;
    }

    @Override
    public CommandResult await(Instant signalled) {
      try {
        Frame done = next(timeout.plusSeconds(15), LocalTransport.summary(command));
        return result(done, id, signalled);
      } finally {
        settle();
      }
    }

    @Override
    public void cancel() {
      try {
        if (ready && broken == null) {
          write("no\n");
          next(Duration.ofSeconds(10), "cancelling " + LocalTransport.summary(command));
        } else if (broken == null) {
          // it never acknowledged: the shell is stuck or dead, and must not run it later
          kill("did not acknowledge " + LocalTransport.summary(command));
        }
      } catch (RuntimeException e) {
        // the shell is gone: nothing will run
      } finally {
        settle();
      }
    }

    private void settle() {
      if (!settled) {
        settled = true;
        busy.release();
      }
    }
  }

  /**
   * Sends {@code command} as a gate: the host holds it and answers that it is ready; {@link
   * Gate#signal} runs it, {@link Gate#cancel} drops it. The shell stays busy until one of those.
   */
  public Gate gate(String command, Duration timeout) {
    acquire();
    try {
      return new Gate(send("gate", command), command, timeout);
    } catch (RuntimeException e) {
      busy.release();
      throw e;
    }
  }

  private void acquire() {
    try {
      busy.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(host + ": interrupted", e);
    }
  }

  private synchronized long send(String kind, String command) {
    if (broken != null) {
      throw lost
          ? new ConnectionLostException(host + ": " + broken)
          : new TransportException(host + ": " + broken);
    }
    long id = nextId++;
    String text = command.endsWith("\n") ? command : command + "\n";
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    byte[] head =
        (kind + " " + id + " " + text.chars().filter(c -> c == '\n').count() + "\n")
            .getBytes(StandardCharsets.US_ASCII);
    try {
      in.write(head);
      in.write(body);
      in.flush();
    } catch (IOException e) {
      throw lost(
          "the shell ended (connection lost): cannot send it a command ("
              + e.getMessage()
              + ")"
              + stderr());
    }
    return id;
  }

  private void write(String line) {
    try {
      in.write(line.getBytes(StandardCharsets.US_ASCII));
      in.flush();
    } catch (IOException e) {
      // the shell is gone; the answer that never comes says so
    }
  }

  private CommandResult result(Frame done, long id, Instant started) {
    if (!done.kind().equals("done") || done.id() != id) {
      throw fail("expected the answer to command " + id + ", got " + done.kind());
    }
    return new CommandResult(done.exit(), done.out(), done.err(), started, done.at());
  }

  private Frame next(Duration limit, String doing) {
    Frame f = poll(limit, doing);
    if (f == null) {
      throw kill("no answer within " + limit.toSeconds() + " s while " + doing);
    }
    return f;
  }

  /** The next frame, or null when none came within {@code limit}. */
  private Frame poll(Duration limit, String doing) {
    Frame f;
    try {
      f = frames.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(host + ": interrupted while " + doing, e);
    }
    if (f != null && f.kind().equals("closed")) {
      frames.add(f); // every later call sees it too
      throw lost("the shell ended (connection lost) while " + doing + stderr());
    }
    return f;
  }

  private TransportException kill(String why) {
    TransportException e = fail(why + "; the session was closed");
    close();
    return e;
  }

  private TransportException fail(String why) {
    if (broken == null) {
      broken = why;
    }
    return new TransportException(host + ": " + why);
  }

  private ConnectionLostException lost(String why) {
    if (broken == null) {
      broken = why;
      lost = true;
    }
    return new ConnectionLostException(host + ": " + why);
  }

  /**
   * Whether the shell can still take a command: nothing broke it and its output has not ended (a
   * kept session is checked before it is lent, {@link HostSessions}).
   */
  public boolean alive() {
    return broken == null && !ended;
  }

  private String stderr() {
    String tail = errTail.toString().strip();
    return tail.isEmpty() ? "" : " (" + tail + ")";
  }

  /** The reader thread: frames into the queue, until the end of the stream. */
  private void read(InputStream out) {
    try (out) {
      boolean hello = false;
      while (true) {
        String line = line(out);
        if (line == null) {
          break;
        }
        String[] f = line.split(" ");
        if (!hello) {
          // whatever a login shell prints before the loop starts is not ours
          if (f.length == 4 && line.startsWith("@@tarmac hello " + VERSION + " ")) {
            hello = true;
            token = f[3];
            frames.add(new Frame("hello", 0, 0, "", "", Instant.now()));
          }
          continue;
        }
        if (f.length == 3 && f[0].equals("@@tarmac") && f[1].equals("ready")) {
          frames.add(new Frame("ready", Long.parseLong(f[2]), 0, "", "", Instant.now()));
        } else if (f.length == 6 && f[0].equals("@@tarmac") && f[1].equals("done")) {
          Instant at = Instant.now();
          byte[] end = ("\n@@tarmac end " + f[2] + " " + token + "\n").getBytes(UTF_8);
          String o = f[4].equals("1") ? text(out, end) : "";
          String e = f[5].equals("1") ? text(out, end) : "";
          frames.add(new Frame("done", Long.parseLong(f[2]), Integer.parseInt(f[3]), o, e, at));
        } else {
          frames.add(new Frame("garbled output: " + line, -1, 0, "", "", Instant.now()));
        }
      }
    } catch (IOException | RuntimeException e) {
      errTail.append(' ').append(e.getMessage());
    }
    ended = true;
    frames.add(new Frame("closed", -1, 0, "", "", Instant.now()));
  }

  /**
   * One output of a command: the bytes up to {@code end} (the host sends at most {@link
   * #OUTPUT_LIMIT} + 1; more than the limit means the start was dropped there).
   */
  static String text(InputStream in, byte[] end) throws IOException {
    byte[] b = new byte[8192];
    int n = 0;
    int max = OUTPUT_LIMIT + 1 + end.length;
    int c;
    while ((c = in.read()) != -1) {
      if (n == b.length) {
        b = java.util.Arrays.copyOf(b, Math.min(b.length * 2, max + 1));
      }
      b[n++] = (byte) c;
      if (c == '\n'
          && n >= end.length
          && java.util.Arrays.equals(b, n - end.length, n, end, 0, end.length)) {
        int size = n - end.length;
        if (size <= OUTPUT_LIMIT) {
          return new String(b, 0, size, UTF_8);
        }
        return "[output over 1 MiB: only its last MiB is kept]\n"
            + new String(b, size - OUTPUT_LIMIT, OUTPUT_LIMIT, UTF_8);
      }
      if (n > max) {
        throw new IOException("an output did not end where the protocol says");
      }
    }
    throw new IOException("the output ended early");
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        return b.toString(StandardCharsets.UTF_8);
      }
      if (b.size() < 64 * 1024) {
        b.write(c);
      }
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
  }

  private void keepTail(InputStream err) {
    byte[] buf = new byte[4096];
    try (err) {
      int n;
      while ((n = err.read(buf)) != -1) {
        errTail.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        if (errTail.length() > 4000) {
          errTail.delete(0, errTail.length() - 2000);
        }
      }
    } catch (IOException e) {
      // the shell is gone
    }
  }

  @Override
  public void close() {
    if (broken == null) {
      broken = "the session was closed";
    }
    closer.run();
  }
}
