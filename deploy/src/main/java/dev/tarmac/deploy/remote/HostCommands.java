package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Manifest;
import dev.tarmac.distributor.model.Names;
import java.util.ArrayList;
import java.util.List;

/**
 * What a release does to a host's layout besides downloading and switching: the check, the host
 * lock and its fencing, shared links, the revision log, bad marks, discarding and cleaning up, and
 * reading what is there; pure functions returning each command as a {@link HostCommand} (its exact
 * string, its parser) (docs/architecture.md, "One shell per host"), with the parsers of their
 * output beside them.
 */
public final class HostCommands {
  /** Exit code of {@link #lockHost} when another run holds the host's lock. */
  public static final int HOST_LOCKED = 75;

  /** Exit code of a {@linkplain #fenced fenced} command whose run no longer holds the host lock. */
  public static final int FENCED = 76;

  private HostCommands() {}

  /**
   * Checks the tools a host needs and its free disk (at least {@code needBytes}), that {@code
   * current} is a symlink when it exists, makes the layout ({@code releases/}, {@code shared/},
   * {@code .tarmac/}) and prints a line {@code present} when {@code version} is complete on the
   * host already (a release rolled back from, released again: nothing to fetch), then where {@code
   * current} points (the last line; none when nothing is live yet).
   */
  public static HostCommand<Checked> checkHost(
      ReleaseLayout layout, String version, long needBytes) {
    String d = Shell.quote(layout.deployTo());
    String current = Shell.quote(layout.current());
    long needKb = (needBytes + 1023) / 1024;
    return HostCommand.of(
            "check",
            "for c in sh curl tar gzip sha256sum timeout; do command -v \"$c\" >/dev/null 2>&1"
                + " || { echo \"missing command: $c (install it on this host)\" >&2; exit 3; }; done\n"
                + "if [ -e "
                + current
                + " ] && [ ! -L "
                + current
                + " ]; then echo "
                + Shell.quote(
                    layout.current()
                        + " is a real file or directory, not a symlink: Tarmac switches releases by"
                        + " replacing that symlink. Move it away (e.g. to "
                        + layout.deployTo()
                        + "/current.old) and release again")
                + " >&2; exit 11; fi\n"
                + "mkdir -p "
                + Shell.quote(layout.releases())
                + " "
                + Shell.quote(layout.shared())
                + " "
                + Shell.quote(layout.meta() + "/downloads")
                + " || exit 4\n"
                + "set -- $(df -Pk "
                + d
                + " | tail -n 1)\n"
                + "[ \"$4\" -ge "
                + needKb
                + " ] || { echo \"only $4 KiB free under "
                + layout.deployTo()
                + ", the release needs "
                + needKb
                + " KiB (twice the artifact)\" >&2; exit 5; }\n"
                + "[ ! -d "
                + Shell.quote(layout.release(version))
                + " ] || echo present\n"
                + "cd "
                + d
                + " || exit 4\n"
                + live(d)
                + "[ -z \"$c\" ] || printf '%s\\n' \"$c\"")
        .parsing(Checked::parse);
  }

  /**
   * What {@link #checkHost} found: the release {@code current} points at ({@code previous}, null
   * when none), and whether the version released is complete on the host already.
   */
  public record Checked(String previous, boolean present) {
    static Checked parse(CommandResult r) {
      return new Checked(
          SwitchCommands.versionOf(r.stdout()), r.stdout().lines().anyMatch("present"::equals));
    }
  }

  /**
   * Sets {@code c} to what is live, as every read of a host says it (status, the release's check):
   * where {@code cd -P current} lands, as {@code releases/<name>} when that is a directory right
   * under {@code releases/} (both resolved the same way), else the resolved path (no version);
   * empty when {@code current} is not a link or its target is missing. Runs no program; starts and
   * ends in {@code to}, the quoted {@code deploy_to}.
   */
  private static String live(String to) {
    return "c=\n"
        + "if [ -L current ] && cd -P current 2>/dev/null; then\n"
        + "  c=$PWD; cd "
        + to
        + "\n"
        + "  if cd -P releases 2>/dev/null; then\n"
        + "    case $c in \"$PWD\"/*/*) ;; \"$PWD\"/?*) c=releases/${c#\"$PWD\"/} ;; esac\n"
        + "    cd "
        + to
        + "\n"
        + "  fi\n"
        + "fi\n";
  }

  /**
   * Takes the host's lock: {@code mkdir .tarmac/lock} (atomic), recording {@code owner} and the
   * run's {@code generation} (its fencing token). Exits {@link #HOST_LOCKED} printing {@link
   * Holder} lines when it is held. With {@code breaking} (the generation seen in a lock judged
   * stale, possibly empty), that lock is removed first, but only if it is still the one seen.
   */
  public static HostCommand<CommandResult> lockHost(
      ReleaseLayout layout, String owner, String generation, String breaking) {
    checkGeneration(generation);
    String lock = Shell.quote(layout.meta() + "/lock");
    String id = Shell.quote(layout.meta() + "/lock/id");
    String ownerFile = Shell.quote(layout.meta() + "/lock/owner");
    String brk =
        breaking == null
            ? ""
            : "tarmac_old=\nif [ \"$(cat "
                + id
                + " 2>/dev/null)\" = "
                + Shell.quote(breaking)
                + " ]; then tarmac_old=$(cat "
                + Shell.quote(layout.meta() + "/lock/pids")
                + " 2>/dev/null); rm -rf "
                + lock
                + "; fi\n";
    return HostCommand.of(
        "lock host",
        "mkdir -p "
            + Shell.quote(layout.meta())
            + " || exit 4\n"
            + brk
            + "if mkdir "
            + lock
            + " 2>/dev/null; then printf '%s\\n' "
            + Shell.quote(owner)
            + " > "
            + ownerFile
            + " && printf '%s\\n' "
            + generation
            + " > "
            + id
            + (breaking == null ? "" : " && " + endCommandsOf())
            + "; else printf 'locked-by=%s\\nlocked-id=%s\\n' \"$(cat "
            + ownerFile
            + " 2>/dev/null)\" \"$(cat "
            + id
            + " 2>/dev/null)\"; exit "
            + HOST_LOCKED
            + "; fi");
  }

  /**
   * A generation is written into commands as it is: {@code <record number>-<base 36>} (see {@code
   * Runner#hostGeneration}), nothing a shell would read as more than one word.
   */
  static void checkGeneration(String generation) {
    if (!generation.matches("[0-9]+(-[0-9a-z]+)?")) {
      throw new IllegalArgumentException("not a generation: " + generation);
    }
  }

  /** Who holds a host lock, as {@link #lockHost} printed it. */
  public record Holder(String owner, String generation) {
    public static Holder parse(String stdout) {
      String owner = "";
      String id = "";
      for (String line : stdout.split("\n")) {
        if (line.startsWith("locked-by=")) {
          owner = line.substring("locked-by=".length()).strip();
        } else if (line.startsWith("locked-id=")) {
          id = line.substring("locked-id=".length()).strip();
        }
      }
      return new Holder(owner, id);
    }
  }

  /** Removes the host lock if it is still this run's ({@code generation}); else leaves it. */
  public static HostCommand<CommandResult> unlockHost(ReleaseLayout layout, String generation) {
    checkGeneration(generation);
    return HostCommand.of(
        "unlock",
        "if [ \"$(cat "
            + Shell.quote(layout.meta() + "/lock/id")
            + " 2>/dev/null)\" = "
            + generation
            + " ]; then rm -rf "
            + Shell.quote(layout.meta() + "/lock")
            + "; else echo 'the host lock is not this run'\\''s any more; left as it is'; fi");
  }

  /**
   * Prefixes a command that changes the host with the fencing check: it runs only while the host
   * lock still carries this run's {@code generation}; otherwise it exits {@link #FENCED} and
   * changes nothing (a forced unlock gave the host to a newer run).
   */
  public static <T> HostCommand<T> fenced(
      ReleaseLayout layout, String generation, HostCommand<T> command) {
    // the command's shell (the host loop's subshell) writes its pid and start time (fields 1 and
    // 22 of /proc/self/stat, read by the shell itself: no fork) into the lock, so that a run
    // breaking this lock can end what this run still has running here (endCommandsOf)
    return fencedInstant(
        layout,
        generation,
        command.prefixed(
            "read -r tarmac_p"
                + " _".repeat(20)
                + " tarmac_s _ < /proc/self/stat 2>/dev/null"
                + " && printf '%s %s\\n' \"$tarmac_p\" \"$tarmac_s\" >> "
                + Shell.quote(layout.meta() + "/lock/pids")
                + "\n"));
  }

  /**
   * {@link #fenced} for a command that ends at once (the switch's rename): nothing of it is left to
   * end when the lock is broken, so it is not written into the lock — the check alone, builtins
   * only, stands between the switch's {@code go} and its {@code mv -T}.
   */
  public static <T> HostCommand<T> fencedInstant(
      ReleaseLayout layout, String generation, HostCommand<T> command) {
    checkGeneration(generation);
    return command.prefixed(
        "g=; read -r g < "
            + Shell.quote(layout.meta() + "/lock/id")
            + " 2>/dev/null; [ \"$g\" = "
            + generation
            + " ] || { echo \"fenced: the host lock now belongs to $(cat "
            + Shell.quote(layout.meta() + "/lock/owner")
            + " 2>/dev/null || echo nobody); this run (generation "
            + generation
            + ") changes nothing more here\" >&2; exit "
            + FENCED
            + "; }\n");
  }

  /**
   * Ends every command the broken lock's run still has running on the host ({@code $tarmac_old}:
   * the pids and start times its fenced commands wrote), with its whole process tree (found in
   * {@code /proc}, stopped first so that nothing forks away, then killed): a run breaking a stale
   * lock (a colleague's {@code --force-unlock}, an expired lease) must not work in directories the
   * old run's migration or hook is still using (docs/architecture.md, "Fencing"). It runs once the
   * new lock is in place, so that the old run, seeing its command end, finds the lock taken and
   * does not remove it. A pid is ended only while its start time is the one recorded: a pid the
   * system gave to another process since is left alone. Prints {@code ended <n> commands of the old
   * run} when it ended any.
   */
  static String endCommandsOf() {
    return "{ [ -z \"$tarmac_old\" ] || printf '%s\\n' \"$tarmac_old\" | { tarmac_tree() { kill"
        + " -STOP \"$1\" 2>/dev/null || return 0; tarmac_all=\"$tarmac_all $1\"; for f in"
        + " /proc/\"$1\"/task/*/children; do for c in $(cat \"$f\" 2>/dev/null); do tarmac_tree"
        + " \"$c\"; done; done; }; tarmac_all=; tarmac_n=0; while read -r p s; do set -- $(cat"
        + " /proc/\"$p\"/stat 2>/dev/null); [ \"$#\" -ge 22 ] && [ \"${22}\" = \"$s\" ] ||"
        + " continue; tarmac_tree \"$p\"; tarmac_n=$((tarmac_n + 1)); done; [ -z \"$tarmac_all\""
        + " ] || { kill -KILL $tarmac_all; kill -CONT $tarmac_all; echo \"ended $tarmac_n commands"
        + " of the old run\"; } 2>/dev/null; }; }";
  }

  /**
   * Links each shared path of the release to {@code shared/<path>} with a relative symlink. A path
   * missing from {@code shared/} is created there first: a copy of the release's file when it has
   * one, else an empty file or directory ({@link #looksLikeFile}); nothing in {@code shared/} is
   * ever overwritten or deleted. Then writes {@code REVISION} (the commit).
   */
  public static HostCommand<CommandResult> linkShared(
      ReleaseLayout layout, String version, List<String> shared, String commit) {
    StringBuilder out = new StringBuilder("set -e\ncd ").append(Shell.quote(layout.deployTo()));
    String rel = "releases/" + Names.version(version);
    for (String path : shared) {
      String p = sharedPath(path);
      String inShared = Shell.quote("shared/" + p);
      String inRelease = Shell.quote(rel + "/" + p);
      int slash = p.lastIndexOf('/');
      String parent = slash < 0 ? "" : p.substring(0, slash);
      String ups = "../".repeat(p.split("/").length + 1);
      String[] parts = p.split("/");
      String prefix = rel;
      for (int i = 0; i < parts.length - 1; i++) {
        prefix += "/" + parts[i];
        out.append("\nif [ -L ")
            .append(Shell.quote(prefix))
            .append(" ]; then echo ")
            .append(
                Shell.quote(
                    prefix
                        + " is a symlink in the artifact; shared path "
                        + p
                        + " would be linked through it: refusing (make it a directory in the"
                        + " repository)"))
            .append(" >&2; exit 12; fi");
      }
      out.append("\nif [ ! -e ")
          .append(inShared)
          .append(" ] && [ ! -L ")
          .append(inShared)
          .append(" ]; then\n  mkdir -p ")
          .append(Shell.quote(("shared/" + parent).replaceAll("/$", "")))
          .append("\n  if [ -f ")
          .append(inRelease)
          .append(" ]; then cp -p ")
          .append(inRelease)
          .append(" ")
          .append(inShared)
          .append(looksLikeFile(p) ? "; else : > " : "; else mkdir -p ")
          .append(inShared)
          .append("; fi\nfi\nrm -rf ")
          .append(inRelease)
          .append("\nmkdir -p ")
          .append(Shell.quote((rel + "/" + parent).replaceAll("/$", "")))
          .append("\nln -s ")
          .append(Shell.quote(ups + "shared/" + p))
          .append(" ")
          .append(inRelease);
    }
    out.append("\nprintf '%s\\n' ")
        .append(Shell.quote(commit))
        .append(" > ")
        .append(Shell.quote(rel + "/REVISION"));
    return HostCommand.of("link shared", out.toString());
  }

  /**
   * Whether a shared path missing everywhere is made as an empty file ({@code .env}, {@code
   * config/master.key}: a dot in its last segment) rather than an empty directory ({@code
   * public/uploads}, {@code storage}).
   */
  static boolean looksLikeFile(String path) {
    return path.substring(path.lastIndexOf('/') + 1).contains(".");
  }

  /** A shared path from {@code tarmac.yml}: relative, no {@code .}/{@code ..}, no trailing /. */
  public static String sharedPath(String path) {
    String p = path.replaceAll("/+$", "");
    Manifest.checkPath(p);
    if (!p.matches("[A-Za-z0-9._@+/-]+")) {
      throw new IllegalArgumentException("shared path has characters Tarmac will not use: " + path);
    }
    return p;
  }

  /** Appends one line to {@code .tarmac/revisions.log}. */
  public static HostCommand<CommandResult> logRevision(ReleaseLayout layout, String line) {
    return HostCommand.of(
        "log revision",
        "printf '%s\\n' "
            + Shell.quote(line.replace("\n", " "))
            + " >> "
            + Shell.quote(layout.meta() + "/revisions.log"));
  }

  /** Marks a release bad on the host, so no rollback ever picks it. */
  public static HostCommand<CommandResult> markBad(ReleaseLayout layout, String version) {
    return HostCommand.of(
        "mark bad",
        "mkdir -p "
            + Shell.quote(layout.meta() + "/bad")
            + " && : > "
            + Shell.quote(layout.meta() + "/bad/" + Names.version(version)));
  }

  /** Takes a release's bad mark away (it was released again and went live). */
  public static HostCommand<CommandResult> clearBad(ReleaseLayout layout, String version) {
    return HostCommand.of(
        "clear bad", "rm -f " + Shell.quote(layout.meta() + "/bad/" + Names.version(version)));
  }

  /**
   * Removes what a failed prepare left: {@code releases/<version>.partial}, and {@code
   * releases/<version>} too when this release created it (never the live release).
   */
  public static HostCommand<CommandResult> discard(
      ReleaseLayout layout, String version, boolean createdByThisRelease) {
    String v = Names.version(version);
    String partial = "rm -rf " + Shell.quote(layout.release(v) + ".partial");
    if (!createdByThisRelease) {
      return HostCommand.of("discard", partial);
    }
    return HostCommand.of(
        "discard",
        partial
            + " && { [ \"$(readlink "
            + Shell.quote(layout.current())
            + ")\" = releases/"
            + v
            + " ] || rm -rf "
            + Shell.quote(layout.release(v))
            + "; }");
  }

  /**
   * Removes old releases, deciding from the host itself (never from one store's history, so two
   * services releasing to one host never take each other's rollback targets): kept are the release
   * {@code current} points at, {@code previous}, and the newest {@code keep} distinct versions of
   * {@code .tarmac/revisions.log} (which records every release and rollback that went live there)
   * counting {@code version} as the newest (so a dry run says what the real one will do); {@code
   * .partial} directories of runs in progress are left alone. Dumps in {@code .tarmac/backups/} are
   * kept to the newest {@code keep}. Prints each release removed; with {@code dryRun}, prints what
   * it would remove and removes nothing.
   */
  public static HostCommand<CommandResult> cleanup(
      ReleaseLayout layout, String version, String previous, int keep, boolean dryRun) {
    String rm = dryRun ? "" : "rm -rf -- \"$d\" && ";
    String rmBackup = dryRun ? "" : "rm -f -- \"$f\" && ";
    return HostCommand.of(
        "cleanup",
        "cd "
            + Shell.quote(layout.releases())
            + " || exit 0\n"
            + "live=$(readlink ../current) || live=\n"
            + "kept=' "
            + Names.version(version)
            + " "
            + (previous == null ? "" : Names.version(previous) + " ")
            + "'\n"
            + "seen=' "
            + Names.version(version)
            + " '\n"
            + "n=1\n"
            + "if [ -f ../.tarmac/revisions.log ]; then\n"
            + "  newest=\n"
            + "  while read -r _ v _; do newest=\"$v $newest\"; done < ../.tarmac/revisions.log\n"
            + "  for v in $newest; do\n"
            + "    case \"$seen\" in *\" $v \"*) continue;; esac\n"
            + "    seen=\"$seen$v \"\n"
            + "    [ \"$n\" -lt "
            + keep
            + " ] || break\n"
            + "    kept=\"$kept$v \"\n"
            + "    n=$((n + 1))\n"
            + "  done\n"
            + "fi\n"
            + "for d in *; do\n"
            + "  [ -d \"$d\" ] && [ ! -L \"$d\" ] || continue\n"
            + "  case \"$d\" in *.partial) continue;; esac\n"
            + "  [ \"releases/$d\" != \"$live\" ] || continue\n"
            + "  case \"$kept\" in *\" $d \"*) continue;; esac\n"
            + "  "
            + rm
            + "echo \"$d\"\n"
            + "done\n"
            + "if [ -d ../.tarmac/backups ]; then\n"
            + "  ls -1t ../.tarmac/backups | tail -n +"
            + (keep + 1)
            + " | while read -r f; do f=../.tarmac/backups/$f; "
            + rmBackup
            + "echo \"backup ${f##*/}\"; done\n"
            + "fi\n"
            + "exit 0");
  }

  /**
   * The releases a host keeps on disk, one per line: every directory under {@code releases/} but
   * the {@code .partial} ones of runs in progress. Read after the clean-up by a release with {@code
   * release.cdn}, whose clean-up of {@code cdn/} keeps what they reference
   * (docs/cdn-and-caches.md). Builtins only.
   */
  public static HostCommand<List<String>> keptReleases(ReleaseLayout layout) {
    return HostCommand.of(
            "kept releases",
            "cd "
                + Shell.quote(layout.releases())
                + " 2>/dev/null || { echo 'cannot read '"
                + Shell.quote(layout.releases())
                + " >&2; exit 1; }\n"
                + "for d in *; do\n"
                + "  [ -d \"$d\" ] && [ ! -L \"$d\" ] || continue\n"
                + "  case \"$d\" in *.partial) continue;; esac\n"
                + "  printf '%s\\n' \"$d\"\n"
                + "done\n"
                + "exit 0")
        .parsing(r -> r.stdout().lines().toList());
  }

  /**
   * What is on a host: {@code current=}, {@code revision=}, then one {@code release=} per directory
   * under {@code releases/} and one {@code bad=} per release marked bad. Every read of a host runs
   * it (the dashboard's environment page, 16 hosts sharing a CPU here), so it runs no program: the
   * live release is where {@code cd -P current} lands, said as {@code releases/<name>} when that is
   * a directory right under {@code releases/} (both resolved the same way) and as the resolved path
   * otherwise (no version); a {@code current} that is not a link, or whose target is missing, is
   * nothing live. The revision's first line is read by the shell's {@code read}.
   */
  public static HostCommand<OnDisk> status(ReleaseLayout layout) {
    String to = Shell.quote(layout.deployTo());
    return HostCommand.of(
            "status",
            "cd "
                + to
                + " 2>/dev/null || { echo current=; exit 0; }\n"
                + live(to)
                + "printf 'current=%s\\n' \"$c\"\n"
                + "rev=; read -r rev 2>/dev/null < current/REVISION\n"
                + "printf 'revision=%s\\n' \"$rev\"\n"
                + "for d in releases/*; do [ -d \"$d\" ] && printf 'release=%s\\n' \"${d#releases/}\";"
                + " done\n"
                + "for b in .tarmac/bad/*; do [ -e \"$b\" ] && printf 'bad=%s\\n' \"${b#.tarmac/bad/}\";"
                + " done\n"
                + "exit 0")
        .parsing(r -> OnDisk.parse(r.stdout()));
  }

  /** The output of {@link #status}, parsed. */
  public record OnDisk(String live, String revision, List<String> releases, List<String> bad) {
    public static OnDisk parse(String out) {
      String live = null;
      String revision = null;
      List<String> releases = new ArrayList<>();
      List<String> bad = new ArrayList<>();
      for (String line : out.split("\n")) {
        int eq = line.indexOf('=');
        if (eq < 0) {
          continue;
        }
        String k = line.substring(0, eq);
        String v = line.substring(eq + 1).strip();
        switch (k) {
          case "current" -> live = SwitchCommands.versionOf(v);
          case "revision" -> revision = v.isEmpty() ? null : v;
          case "release" -> releases.add(v);
          case "bad" -> bad.add(v);
          default -> {}
        }
      }
      return new OnDisk(live, revision, releases, bad);
    }
  }
}
