package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Names;
import java.util.List;

/**
 * What changes which release a host serves: {@code current} switched atomically (staged link, then
 * one rename), or taken away; pure functions returning each command as a {@link HostCommand} (its
 * exact string, its parser) (docs/architecture.md, "One shell per host").
 */
public final class SwitchCommands {
  private SwitchCommands() {}

  /**
   * Points {@code current} at {@code releases/<version>} atomically: {@code ln -s} to a temporary
   * name, then {@code mv -T} over {@code current} (one rename(2)); never {@code rm} then {@code
   * ln}. The link is relative, so the layout can be moved or bind-mounted. Activation runs the two
   * halves separately ({@link #stageCurrent} on every host, then {@link #swapCurrent} on every host
   * at once) so that the moment of the switch is one {@code mv}.
   */
  public static HostCommand<CommandResult> switchCurrent(ReleaseLayout layout, String version) {
    return stageCurrent(layout, version).then(swapCurrent(layout, version));
  }

  /** The first half of {@link #switchCurrent}: the new link, under a temporary name. */
  public static HostCommand<CommandResult> stageCurrent(ReleaseLayout layout, String version) {
    return HostCommand.of(
        "stage",
        "ln -sfn "
            + Shell.quote("releases/" + Names.version(version))
            + " "
            + Shell.quote(stagedCurrent(layout, version)));
  }

  /** The second half of {@link #switchCurrent}: one rename over {@code current}. */
  public static HostCommand<CommandResult> swapCurrent(ReleaseLayout layout, String version) {
    return HostCommand.of(
        "switch",
        "mv -T "
            + Shell.quote(stagedCurrent(layout, version))
            + " "
            + Shell.quote(layout.current()));
  }

  private static String stagedCurrent(ReleaseLayout layout, String version) {
    return layout.deployTo() + "/.current." + Names.version(version) + ".tmp";
  }

  /**
   * The switch as a gate ({@link HostShell#gate}), what every host holds until the {@code go}
   * (docs/architecture.md, "The switch's waiter"): {@code current} renamed onto the staged link for
   * {@code version} (or removed, {@code version} null: a host that had none before), fenced by
   * {@code generation}, then each of {@code renames} at the same moment (the proxy's upstream file:
   * what visitors are sent to), then {@code extra} (what the switch does besides, in the shell
   * after them; null: nothing).
   *
   * <p>Where {@code perl} is installed (Debian's {@code perl-base} is essential), the waiter is a
   * Perl process started before the host acknowledges: at the {@code go} (or as long after it as
   * the {@code go} says) it reads the lock's id, renames, and exits, with no program to load in the
   * window (an {@code mv} costs ~2 ms of CPU, which 128 hosts on 2 cores turned into a window of
   * 50–160 ms). It reads the {@code go} byte by byte, so nothing after it in the loop's input is
   * taken. Without Perl, the loop acknowledges ({@code tm_ack}) and the fenced {@code mv -T} runs
   * after the {@code go}, as before. Either way the fencing check and its message are those of
   * {@link HostCommands#fencedInstant}.
   */
  public static HostCommand<CommandResult> atGo(
      ReleaseLayout layout,
      String generation,
      String version,
      List<Rename> renames,
      HostCommand<?> extra) {
    HostCommands.checkGeneration(generation);
    String current = layout.current();
    HostCommand<CommandResult> plain =
        version == null ? removeCurrent(layout) : swapCurrent(layout, version);
    String ops =
        version == null
            ? "rm " + Shell.quote(current)
            : "mv " + Shell.quote(stagedCurrent(layout, version)) + " " + Shell.quote(current);
    StringBuilder more = new StringBuilder();
    StringBuilder moreByShell = new StringBuilder();
    for (Rename r : renames) {
      more.append(" mv ").append(Shell.quote(r.from())).append(' ').append(Shell.quote(r.to()));
      moreByShell
          .append(" && mv -f ")
          .append(Shell.quote(r.from()))
          .append(' ')
          .append(Shell.quote(r.to()));
    }
    String text =
        "if command -v perl > /dev/null 2>&1; then\nperl -e "
            + Shell.quote(WAITER)
            + " \"$tm_id\" "
            + generation
            + " "
            + Shell.quote(layout.meta() + "/lock/id")
            + " "
            + Shell.quote(layout.meta() + "/lock/owner")
            + " "
            + ops
            + more
            + "\nelse\ntm_ack\n{ "
            + HostCommands.fencedInstant(layout, generation, plain).text()
            + moreByShell
            + "\n} < /dev/null\nfi || exit $?"
            + (extra == null ? "" : "\n{ " + extra.text() + "\n} < /dev/null 3>&-");
    return HostCommand.of(plain.label(), text);
  }

  /**
   * The switch's waiter (Perl, no module): {@code id generation lock-id-file owner-file} then
   * operations, {@code mv FROM TO} (one rename(2)) or {@code rm PATH} (unlink, a missing one is
   * fine). Answers ready on descriptor 3, reads one line from standard input one byte at a time;
   * {@code go <µs>}: waits that long; neither that nor {@code go}: exit 125. Then the fencing check
   * (exit {@value HostCommands#FENCED}, the message of {@link HostCommands#fencedInstant}), then
   * the operations in order.
   */
  static final String WAITER =
      """
      my ($id, $gen, $lock, $owner, @ops) = @ARGV;
      open(my $ack, ">&=", 3) or exit 125;
      syswrite($ack, "\\@\\@tarmac ready $id\\n");
      my ($line, $c) = ("", "");
      while (sysread(STDIN, $c, 1) && $c ne "\\n") { $line .= $c }
      exit 125 unless $line =~ /\\Ago(?: ([0-9]{1,9}))?\\z/;
      select(undef, undef, undef, $1 / 1e6) if $1;
      my $g = "";
      if (open(my $f, "<", $lock)) { $g = <$f> // ""; chomp $g }
      if ($g ne $gen) {
        my $o = "nobody";
        if (open(my $f, "<", $owner)) { local $/; $o = <$f> // ""; $o =~ s/\\n+\\z// }
        print STDERR "fenced: the host lock now belongs to $o; this run (generation $gen) changes nothing more here\\n";
        exit %d;
      }
      while (@ops) {
        my $op = shift @ops;
        if ($op eq "mv") {
          my ($from, $to) = splice(@ops, 0, 2);
          rename($from, $to) or do { print STDERR "mv: cannot move '$from' to '$to': $!\\n"; exit 1 };
        } else {
          my $path = shift @ops;
          unlink($path) or !lstat($path) or do { print STDERR "rm: cannot remove '$path': $!\\n"; exit 1 };
        }
      }
      """
          .formatted(HostCommands.FENCED);

  /** One rename(2) the switch makes right after {@code current}'s, at the same moment. */
  public record Rename(String from, String to) {
    public Rename {
      java.util.Objects.requireNonNull(from, "from");
      java.util.Objects.requireNonNull(to, "to");
    }
  }

  /** Takes {@code current} away: how a host that had no release before is switched back. */
  public static HostCommand<CommandResult> removeCurrent(ReleaseLayout layout) {
    return HostCommand.of("remove current", "rm -f " + Shell.quote(layout.current()));
  }

  /** {@code releases/v1.2.0} (what {@code readlink current} prints) → {@code v1.2.0}; else null. */
  public static String versionOf(String readlink) {
    String v = readlink.strip();
    int nl = v.lastIndexOf('\n');
    v = nl < 0 ? v : v.substring(nl + 1);
    return v.startsWith("releases/") ? v.substring("releases/".length()) : null;
  }
}
