package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Manifest;
import dev.tarmac.distributor.model.Names;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shell commands a release runs on a host: pure functions returning the exact string, run by a
 * transport (SSH or local) through the host's {@code sh}. Versions are checked by {@link
 * Names#version}, paths by {@link ReleaseLayout} and {@link #sharedPath}, everything else is quoted
 * by {@link Shell#quote}. A host needs only {@code sh}, {@code curl}, {@code tar}, {@code gzip} and
 * {@code sha256sum} (plus coreutils).
 */
public final class ReleaseCommands {
  /** Exit code of {@link #lockHost} when another release holds the host's lock. */
  public static final int HOST_LOCKED = 75;

  /** Attempts {@link #fetch} makes before giving up; each resumes where the last one stopped. */
  public static final int DOWNLOAD_ATTEMPTS = 5;

  private ReleaseCommands() {}

  /**
   * Checks the tools a host needs and its free disk (at least {@code needBytes}), makes the layout
   * ({@code releases/}, {@code shared/}, {@code .tarmac/}) and prints where {@code current} points
   * (empty when nothing is live there yet).
   */
  public static String checkHost(ReleaseLayout layout, long needBytes) {
    String d = Shell.quote(layout.deployTo());
    long needKb = (needBytes + 1023) / 1024;
    return "for c in sh curl tar gzip sha256sum; do command -v \"$c\" >/dev/null 2>&1"
        + " || { echo \"missing command: $c (install it on this host)\" >&2; exit 3; }; done\n"
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
        + "readlink "
        + Shell.quote(layout.current())
        + " || true";
  }

  /**
   * Takes the host's own lock: {@code mkdir .tarmac/lock} (atomic), recording {@code owner}. Exits
   * {@link #HOST_LOCKED} printing {@code locked by: <owner>} when it is held.
   */
  public static String lockHost(ReleaseLayout layout, String owner) {
    String lock = Shell.quote(layout.meta() + "/lock");
    return "mkdir -p "
        + Shell.quote(layout.meta())
        + " && if mkdir "
        + lock
        + " 2>/dev/null; then printf '%s\\n' "
        + Shell.quote(owner)
        + " > "
        + Shell.quote(layout.meta() + "/lock/owner")
        + "; else echo \"locked by: $(cat "
        + Shell.quote(layout.meta() + "/lock/owner")
        + " 2>/dev/null)\"; exit "
        + HOST_LOCKED
        + "; fi";
  }

  public static String unlockHost(ReleaseLayout layout) {
    return "rm -rf " + Shell.quote(layout.meta() + "/lock");
  }

  /** Where the artifact to release comes from, and what it must hash to. */
  public record Download(
      URI artifactUrl,
      String sha256,
      long size,
      URI manifestUrl,
      String manifestSha256,
      Optional<String> rateLimit) {}

  /**
   * Downloads, verifies and unpacks a release into {@code releases/<version>}, printing {@code
   * present} (already complete on the host: nothing downloaded) or {@code downloaded}. A fresh
   * download is unpacked and hashed while it arrives ({@code curl | tee file fifo | tar}, with
   * {@code sha256sum} reading the fifo), into {@code <version>.partial}; an interrupted one is
   * resumed ({@code curl -C -}, up to {@link #DOWNLOAD_ATTEMPTS} attempts) and unpacked from the
   * file. Then the file's sha256 is checked against the build record, every unpacked file with
   * {@code sha256sum -c} against the manifest, and only then is {@code <version>.partial} renamed:
   * a {@code releases/<version>} directory on a host is always complete and verified.
   */
  public static String fetch(ReleaseLayout layout, String version, Download dl) {
    String limit = dl.rateLimit().map(r -> " --limit-rate " + Shell.quote(r)).orElse("");
    return FETCH
        .replace(
            "{CURL}", "curl --fail --silent --show-error --location --connect-timeout 10" + limit)
        .replace("{D}", Shell.quote(layout.deployTo()))
        .replace("{V}", Names.version(version))
        .replace("{SIZE}", Long.toString(dl.size()))
        .replace("{URL}", Shell.quote(dl.artifactUrl().toString()))
        .replace("{MURL}", Shell.quote(dl.manifestUrl().toString()))
        .replace("{SHA}", sha256(dl.sha256()))
        .replace("{MSHA}", sha256(dl.manifestSha256()))
        .replace("{N}", Integer.toString(DOWNLOAD_ATTEMPTS));
  }

  private static final String FETCH =
      """
      set -e
      cd {D}
      if [ -d releases/{V} ]; then echo present; exit 0; fi
      dl=.tarmac/downloads/{V}.tar.gz
      mf=.tarmac/downloads/{V}.manifest.sha256
      mkdir -p .tarmac/downloads releases
      rm -rf releases/{V}.partial
      mkdir releases/{V}.partial
      unpacked=no
      sum=.tarmac/downloads/{V}.sha256
      rm -f "$sum" "$sum.fifo"
      if [ ! -s "$dl" ]; then
        mkfifo "$sum.fifo"
        sha256sum < "$sum.fifo" > "$sum" &
        if {CURL} {URL} | tee "$dl" "$sum.fifo" | tar -xzf - --no-same-owner -C releases/{V}.partial; then unpacked=yes; fi
        wait
        rm -f "$sum.fifo"
      fi
      i=0
      while :; do
        if [ -f "$dl" ]; then have=$(wc -c < "$dl"); else have=0; fi
        [ "$have" -lt {SIZE} ] || break
        unpacked=no
        rm -f "$sum"
        i=$((i + 1))
        if {CURL} --continue-at - --output "$dl" {URL}; then :
        elif [ "$i" -ge {N} ]; then rm -rf releases/{V}.partial; echo "download failed {N} times; $have of {SIZE} bytes are kept in $PWD/$dl and the next release resumes from there" >&2; exit 6
        else sleep 1; fi
      done
      if [ -s "$sum" ]; then set -- $(cat "$sum"); else set -- $(sha256sum "$dl"); fi
      rm -f "$sum"
      if [ "$1" != {SHA} ]; then rm -f "$dl"; rm -rf releases/{V}.partial; echo "the downloaded artifact has sha256 $1, the build record says {SHA}; it was deleted" >&2; exit 7; fi
      if [ "$unpacked" = no ]; then rm -rf releases/{V}.partial; mkdir releases/{V}.partial; tar -xzf "$dl" --no-same-owner -C releases/{V}.partial; fi
      {CURL} --retry 3 --output "$mf" {MURL}
      set -- $(sha256sum "$mf")
      if [ "$1" != {MSHA} ]; then rm -f "$mf"; rm -rf releases/{V}.partial; echo "the downloaded manifest has sha256 $1, the build record says {MSHA}" >&2; exit 7; fi
      if ! (cd releases/{V}.partial && sha256sum -c --quiet --strict "../../$mf" >&2); then rm -rf releases/{V}.partial; echo "unpacked files differ from the manifest" >&2; exit 8; fi
      mv -T releases/{V}.partial releases/{V}
      rm -f "$dl" "$mf"
      echo downloaded""";

  private static String sha256(String hex) {
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("not a sha256: " + hex);
    }
    return hex;
  }

  /** A delta from the release a host has to the one being prepared. */
  public record DeltaDownload(String from, URI url, String sha256) {}

  /**
   * Builds {@code releases/<version>} from the host's {@code releases/<from>} and a delta, printing
   * {@code present} or {@code delta}. The files taken from {@code <from>} are checked against their
   * sha256 first, {@code <from>} is only read (a rollback to it stays exact), and every file of the
   * result is checked with {@code sha256sum -c} against the version's manifest before the rename.
   * Exits 20–24 when the delta cannot be used (no {@code <from>} here, a download or checksum
   * failure, {@code <from>} changed by hand, a result that does not match): the caller then
   * downloads the full artifact.
   */
  public static String fetchDelta(ReleaseLayout layout, String version, DeltaDownload delta) {
    return FETCH_DELTA
        .replace("{D}", Shell.quote(layout.deployTo()))
        .replace("{V}", Names.version(version))
        .replace("{A}", Names.version(delta.from()))
        .replace("{URL}", Shell.quote(delta.url().toString()))
        .replace("{SHA}", sha256(delta.sha256()));
  }

  private static final String FETCH_DELTA =
      """
      set -e
      cd {D}
      if [ -d releases/{V} ]; then echo present; exit 0; fi
      if [ ! -d releases/{A} ]; then echo "releases/{A} is not on this host" >&2; exit 20; fi
      dl=.tarmac/downloads/{A}..{V}.delta.tar.gz
      mf=.tarmac/downloads/{V}.manifest.sha256
      mkdir -p .tarmac/downloads
      rm -rf releases/{V}.partial
      mkdir releases/{V}.partial
      if ! curl --fail --silent --show-error --location --connect-timeout 10 --retry 3 --output "$dl" {URL}; then rm -rf releases/{V}.partial; echo "the delta could not be downloaded" >&2; exit 21; fi
      set -- $(sha256sum "$dl")
      if [ "$1" != {SHA} ]; then rm -f "$dl"; rm -rf releases/{V}.partial; echo "the delta has sha256 $1, its record says {SHA}" >&2; exit 22; fi
      tar -xzf "$dl" --no-same-owner -C releases/{V}.partial
      d=releases/{V}.partial/.tarmac-delta
      tar -C releases/{A} --no-recursion --verbatim-files-from -T "$d/unchanged.txt" -cf - | tar -xf - --no-same-owner -C releases/{V}.partial
      mv "$d/manifest.sha256" "$mf"
      rm -rf "$d"
      if ! (cd releases/{V}.partial && sha256sum -c --quiet --strict "../../$mf" >&2); then rm -rf releases/{V}.partial; rm -f "$dl" "$mf"; echo "the files made from releases/{A} and the delta differ from the manifest of {V} (was releases/{A} changed on this host?)" >&2; exit 24; fi
      mv -T releases/{V}.partial releases/{V}
      rm -f "$dl" "$mf"
      echo delta""";

  /** How many bytes of a release's artifact a host has downloaded so far (0 when none). */
  public static String downloadedBytes(ReleaseLayout layout, String version) {
    return "wc -c < "
        + Shell.quote(layout.meta() + "/downloads/" + Names.version(version) + ".tar.gz")
        + " 2>/dev/null || echo 0";
  }

  /**
   * Links each shared path of the release to {@code shared/<path>} with a relative symlink. A path
   * missing from {@code shared/} is created there first: a copy of the release's file when it has
   * one, else an empty file or directory ({@link #looksLikeFile}); nothing in {@code shared/} is
   * ever overwritten or deleted. Then writes {@code REVISION} (the commit).
   */
  public static String linkShared(
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
    return out.toString();
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

  /**
   * Runs a phase's hooks in order in {@code dir}, with the {@code TARMAC_*} variables exported; the
   * first failing hook stops the phase.
   */
  public static String hooks(String dir, Map<String, String> variables, List<String> hooks) {
    StringBuilder out = new StringBuilder("cd ").append(Shell.quote(dir)).append(" || exit 1\n");
    out.append("export");
    variables.forEach((k, v) -> out.append(' ').append(k).append('=').append(Shell.quote(v)));
    for (String hook : hooks) {
      out.append("\nsh -c ").append(Shell.quote(hook)).append(" || exit $?");
    }
    return out.toString();
  }

  /** Where the {@code backup} and {@code restore} hooks find {@code TARMAC_BACKUP_FILE}. */
  public static String backupFile(ReleaseLayout layout, String version) {
    return layout.meta() + "/backups/" + Names.version(version) + ".sql.gz";
  }

  /** Prepares {@code .tarmac/backups/} and removes an old dump of the same version. */
  public static String prepareBackup(ReleaseLayout layout, String version) {
    String file = backupFile(layout, version);
    return "mkdir -p " + Shell.quote(layout.meta() + "/backups") + " && rm -f " + Shell.quote(file);
  }

  /**
   * Sends the dump the {@code backup} hook wrote to the store with {@code curl -T} (a signed PUT
   * URL: the host holds no store credentials) and prints its sha256 and size.
   */
  public static String uploadBackup(ReleaseLayout layout, String version, URI putUrl) {
    String file = Shell.quote(backupFile(layout, version));
    return "[ -s "
        + file
        + " ] || { echo \"the backup hook wrote nothing to "
        + backupFile(layout, version)
        + " ($TARMAC_BACKUP_FILE)\" >&2; exit 9; }\n"
        + "curl --fail --silent --show-error --retry 3 --upload-file "
        + file
        + " "
        + Shell.quote(putUrl.toString())
        + " || exit 10\n"
        + "set -- $(sha256sum "
        + file
        + ") && printf '%s %s\\n' \"$1\" \"$(wc -c < "
        + file
        + ")\"";
  }

  /** Downloads a stored dump for the {@code restore} hook, to {@link #backupFile}. */
  public static String downloadBackup(ReleaseLayout layout, String version, URI getUrl) {
    return "mkdir -p "
        + Shell.quote(layout.meta() + "/backups")
        + " && curl --fail --silent --show-error --retry 3 --output "
        + Shell.quote(backupFile(layout, version))
        + " "
        + Shell.quote(getUrl.toString());
  }

  /**
   * Points {@code current} at {@code releases/<version>} atomically: {@code ln -s} to a temporary
   * name, then {@code mv -T} over {@code current} (one rename(2)); never {@code rm} then {@code
   * ln}. The link is relative, so the layout can be moved or bind-mounted. Activation runs the two
   * halves separately ({@link #stageCurrent} on every host, then {@link #swapCurrent} on every host
   * at once) so that the moment of the switch is one {@code mv}.
   */
  public static String switchCurrent(ReleaseLayout layout, String version) {
    return stageCurrent(layout, version) + " && " + swapCurrent(layout, version);
  }

  /** The first half of {@link #switchCurrent}: the new link, under a temporary name. */
  public static String stageCurrent(ReleaseLayout layout, String version) {
    return "ln -sfn "
        + Shell.quote("releases/" + Names.version(version))
        + " "
        + Shell.quote(stagedCurrent(layout, version));
  }

  /** The second half of {@link #switchCurrent}: one rename over {@code current}. */
  public static String swapCurrent(ReleaseLayout layout, String version) {
    return "mv -T "
        + Shell.quote(stagedCurrent(layout, version))
        + " "
        + Shell.quote(layout.current());
  }

  private static String stagedCurrent(ReleaseLayout layout, String version) {
    return layout.deployTo() + "/.current." + Names.version(version) + ".tmp";
  }

  /**
   * Wraps a command so that it starts already running on the host but waits for one line, {@code
   * go}, on its standard input: how every host's switch is made ready and then released at the same
   * moment. End of input (the connection dropped) means the command never runs.
   */
  public static String onSignal(String command) {
    return "read -r signal && [ \"$signal\" = go ] && {\n" + command + "\n}";
  }

  /** Takes {@code current} away: how a host that had no release before is switched back. */
  public static String removeCurrent(ReleaseLayout layout) {
    return "rm -f " + Shell.quote(layout.current());
  }

  /**
   * Fetches {@code url} from the host until it answers 200 (and contains {@code contains}, when
   * given) or {@code timeoutSeconds} pass; prints why it failed.
   */
  public static String health(
      ReleaseLayout layout, String url, int timeoutSeconds, Optional<String> contains) {
    String body = Shell.quote(layout.meta() + "/health.body");
    String match =
        contains
            .map(
                c ->
                    "case \"$(cat "
                        + body
                        + ")\" in *"
                        + Shell.quote(c)
                        + "*) exit 0;; esac; why='answered 200 without the expected text'")
            .orElse("exit 0");
    return "end=$(( $(date +%s) + "
        + timeoutSeconds
        + " ))\nwhile :; do\n"
        + "  code=$(curl --silent --show-error --max-time 5 --output "
        + body
        + " --write-out '%{http_code}' "
        + Shell.quote(url)
        + " 2>&1) || true\n"
        + "  if [ \"$code\" = 200 ]; then "
        + match
        + "; else why=\"answered $code\"; fi\n"
        + "  [ \"$(date +%s)\" -lt \"$end\" ] || { printf 'health check %s failed after %s s: %s\\n' "
        + Shell.quote(url)
        + " "
        + timeoutSeconds
        + " \"$why\" >&2; exit 1; }\n"
        + "  sleep 0.2\ndone";
  }

  /** Appends one line to {@code .tarmac/revisions.log}. */
  public static String logRevision(ReleaseLayout layout, String line) {
    return "printf '%s\\n' "
        + Shell.quote(line.replace("\n", " "))
        + " >> "
        + Shell.quote(layout.meta() + "/revisions.log");
  }

  /** Marks a release bad on the host, so no rollback ever picks it. */
  public static String markBad(ReleaseLayout layout, String version) {
    return "mkdir -p "
        + Shell.quote(layout.meta() + "/bad")
        + " && : > "
        + Shell.quote(layout.meta() + "/bad/" + Names.version(version));
  }

  public static String clearBad(ReleaseLayout layout, String version) {
    return "rm -f " + Shell.quote(layout.meta() + "/bad/" + Names.version(version));
  }

  /**
   * Removes what a failed prepare left: {@code releases/<version>.partial}, and {@code
   * releases/<version>} too when this release created it (never the live release).
   */
  public static String discard(ReleaseLayout layout, String version, boolean createdByThisRelease) {
    String v = Names.version(version);
    String partial = "rm -rf " + Shell.quote(layout.release(v) + ".partial");
    if (!createdByThisRelease) {
      return partial;
    }
    return partial
        + " && { [ \"$(readlink "
        + Shell.quote(layout.current())
        + ")\" = releases/"
        + v
        + " ] || rm -rf "
        + Shell.quote(layout.release(v))
        + "; }";
  }

  /**
   * Removes every release directory not in {@code keep}, never the one {@code current} points at;
   * prints each removed version.
   */
  public static String cleanup(ReleaseLayout layout, List<String> keep) {
    String pattern =
        keep.isEmpty() ? "''" : String.join("|", keep.stream().map(Names::version).toList());
    return "cd "
        + Shell.quote(layout.releases())
        + " || exit 0\nlive=$(readlink ../current) || live=\n"
        + "for d in *; do\n"
        + "  [ -e \"$d\" ] || continue\n"
        + "  [ \"releases/$d\" != \"$live\" ] || continue\n"
        + "  case \"$d\" in "
        + pattern
        + ") ;; *) rm -rf -- \"$d\" && echo \"$d\";; esac\n"
        + "done";
  }

  /**
   * What is on a host: {@code current=}, {@code revision=}, then one {@code release=} per directory
   * under {@code releases/} and one {@code bad=} per release marked bad.
   */
  public static String status(ReleaseLayout layout) {
    return "cd "
        + Shell.quote(layout.deployTo())
        + " 2>/dev/null || { echo current=; exit 0; }\n"
        + "printf 'current=%s\\n' \"$(readlink current 2>/dev/null)\"\n"
        + "printf 'revision=%s\\n' \"$(cat current/REVISION 2>/dev/null)\"\n"
        + "for d in releases/*; do [ -d \"$d\" ] && printf 'release=%s\\n' \"${d#releases/}\";"
        + " done\n"
        + "for b in .tarmac/bad/*; do [ -e \"$b\" ] && printf 'bad=%s\\n' \"${b#.tarmac/bad/}\";"
        + " done\n"
        + "exit 0";
  }
}
