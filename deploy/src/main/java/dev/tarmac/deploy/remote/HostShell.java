package dev.tarmac.deploy.remote;

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
 * <id> <length> <limit>} and the command's bytes; the shell runs it with its standard input from
 * {@code /dev/null} (no hook can eat the stream), its output into files, and answers with a frame
 * {@code @@tarmac done <id> <exit> <out> <out-dropped> <err> <err-dropped>} followed by the output.
 * A login shell that prints something before the loop starts ({@code .bashrc}) is skipped: nothing
 * counts before the {@code @@tarmac hello} line.
 *
 * <p>A {@code gate} frame is a command that waits: the shell answers {@code @@tarmac ready <id>} as
 * soon as it holds the command, then waits for one line, {@code go} (run it) or anything else
 * (answer exit 125 without running it). That is how every host acknowledges that it is staged
 * before any host is switched.
 *
 * <p>One command at a time: {@link #run} and a gate hold the shell until their answer arrives.
 */
public final class HostShell implements AutoCloseable {
  /** The protocol's version, in the hello line. */
  static final int VERSION = 1;

  /** Output kept per stream and command; the rest is dropped on the host (its tail is kept). */
  static final int OUTPUT_LIMIT = 1 << 20;

  /** Exit code of a gate told not to run. */
  public static final int NOT_RUN = 125;

  /** Exit code {@code timeout(1)} gives a command that outlived its limit. */
  public static final int TIMED_OUT = 124;

  /**
   * The loop the host runs, as the argument of {@code sh -c}: a pure function, tested as an exact
   * string. Needs {@code mktemp}, {@code head}, {@code tail}, {@code wc} and {@code timeout}
   * (coreutils).
   */
  public static String script() {
    return """
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
        done""";
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

  /** Runs {@code command} through {@code sh}; waits at most {@code timeout} for it. */
  public CommandResult run(String command, Duration timeout) {
    acquire();
    try {
      long id = send("run", command, timeout);
      Instant started = Instant.now();
      Frame done = next(timeout.plusSeconds(15), LocalTransport.summary(command));
      return result(done, id, started, command, timeout);
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
    public Instant signal() {
      Instant at = Instant.now();
      write("go\n");
      return at;
    }

    @Override
    public CommandResult await(Instant signalled) {
      try {
        Frame done = next(timeout.plusSeconds(15), LocalTransport.summary(command));
        return result(done, id, signalled, command, timeout);
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
      return new Gate(send("gate", command, timeout), command, timeout);
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

  private synchronized long send(String kind, String command, Duration timeout) {
    if (broken != null) {
      throw new TransportException(host + ": " + broken);
    }
    long id = nextId++;
    byte[] body = command.getBytes(StandardCharsets.UTF_8);
    long limit = Math.max(1, (timeout.toMillis() + 999) / 1000);
    byte[] head =
        (kind + " " + id + " " + body.length + " " + limit + "\n")
            .getBytes(StandardCharsets.US_ASCII);
    try {
      in.write(head);
      in.write(body);
      in.flush();
    } catch (IOException e) {
      throw fail(
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

  private CommandResult result(
      Frame done, long id, Instant started, String command, Duration timeout) {
    if (!done.kind().equals("done") || done.id() != id) {
      throw fail("expected the answer to command " + id + ", got " + done.kind());
    }
    if (done.exit() == TIMED_OUT) {
      throw new TransportException(
          host
              + ": command timed out after "
              + timeout.toSeconds()
              + " s (it was stopped): "
              + LocalTransport.summary(command));
    }
    return new CommandResult(done.exit(), done.out(), done.err(), started, done.at());
  }

  private Frame next(Duration limit, String doing) {
    Frame f;
    try {
      f = frames.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(host + ": interrupted while " + doing, e);
    }
    if (f == null) {
      throw kill("no answer within " + limit.toSeconds() + " s while " + doing);
    }
    if (f.kind().equals("closed")) {
      frames.add(f); // every later call sees it too
      throw fail("the shell ended (connection lost) while " + doing + stderr());
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
        if (!hello) {
          // whatever a login shell prints before the loop starts is not ours
          if (line.equals("@@tarmac hello " + VERSION)) {
            hello = true;
            frames.add(new Frame("hello", 0, 0, "", "", Instant.now()));
          }
          continue;
        }
        String[] f = line.split(" ");
        if (f.length == 3 && f[0].equals("@@tarmac") && f[1].equals("ready")) {
          frames.add(new Frame("ready", Long.parseLong(f[2]), 0, "", "", Instant.now()));
        } else if (f.length == 8 && f[0].equals("@@tarmac") && f[1].equals("done")) {
          Instant at = Instant.now();
          String o = text(out, Integer.parseInt(f[4]), Long.parseLong(f[5]));
          String e = text(out, Integer.parseInt(f[6]), Long.parseLong(f[7]));
          frames.add(new Frame("done", Long.parseLong(f[2]), Integer.parseInt(f[3]), o, e, at));
        } else {
          frames.add(new Frame("garbled output: " + line, -1, 0, "", "", Instant.now()));
        }
      }
    } catch (IOException | RuntimeException e) {
      errTail.append(' ').append(e.getMessage());
    }
    frames.add(new Frame("closed", -1, 0, "", "", Instant.now()));
  }

  private static String text(InputStream in, int length, long dropped) throws IOException {
    byte[] b = in.readNBytes(length);
    if (b.length < length) {
      throw new IOException("the output ended early");
    }
    String s = new String(b, StandardCharsets.UTF_8);
    return dropped > 0 ? "[" + dropped + " bytes of output dropped]\n" + s : s;
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
