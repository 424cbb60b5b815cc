package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Names;
import java.net.URI;
import java.util.Optional;

/**
 * What a host runs to get a release: the full artifact ({@link #fetch}) or a delta from the release
 * it has ({@link #fetchDelta}), both verified before {@code releases/<version>} exists; pure
 * functions returning each command as a {@link HostCommand} (its exact string, its parser)
 * (docs/architecture.md, "One shell per host").
 */
public final class DownloadCommands {
  /** Attempts {@link #fetch} makes before giving up; each resumes where the last one stopped. */
  public static final int DOWNLOAD_ATTEMPTS = 5;

  private DownloadCommands() {}

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
  public static HostCommand<Boolean> fetch(ReleaseLayout layout, String version, Download dl) {
    String limit = dl.rateLimit().map(r -> " --limit-rate " + Shell.quote(r)).orElse("");
    return HostCommand.of(
            "download",
            FETCH
                .replace(
                    "{CURL}",
                    "curl --fail --silent --show-error --location --connect-timeout 10" + limit)
                .replace("{D}", Shell.quote(layout.deployTo()))
                .replace("{V}", Names.version(version))
                .replace("{SIZE}", Long.toString(dl.size()))
                .replace("{URL}", Shell.quote(dl.artifactUrl().toString()))
                .replace("{MURL}", Shell.quote(dl.manifestUrl().toString()))
                .replace("{SHA}", sha256(dl.sha256()))
                .replace("{MSHA}", sha256(dl.manifestSha256()))
                .replace("{N}", Integer.toString(DOWNLOAD_ATTEMPTS)))
        .parsing(r -> r.stdout().strip().endsWith("downloaded"));
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
        if {CURL} --continue-at - --output "$dl" {URL}; then
          if [ "$(wc -c < "$dl")" -le "$have" ]; then rm -f "$dl"; rm -rf releases/{V}.partial; echo "the store has no more than $have bytes of the {SIZE} the build record says: the artifact does not match its record; the download was deleted" >&2; exit 7; fi
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
  public static HostCommand<Boolean> fetchDelta(
      ReleaseLayout layout, String version, DeltaDownload delta) {
    return HostCommand.of(
            "download delta",
            FETCH_DELTA
                .replace("{D}", Shell.quote(layout.deployTo()))
                .replace("{V}", Names.version(version))
                .replace("{A}", Names.version(delta.from()))
                .replace("{URL}", Shell.quote(delta.url().toString()))
                .replace("{SHA}", sha256(delta.sha256())))
        .parsing(r -> r.stdout().strip().endsWith("delta"));
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
  public static HostCommand<Long> downloadedBytes(ReleaseLayout layout, String version) {
    return HostCommand.of(
            "downloaded bytes",
            "wc -c < "
                + Shell.quote(layout.meta() + "/downloads/" + Names.version(version) + ".tar.gz")
                + " 2>/dev/null || echo 0")
        .parsing(r -> Long.parseLong(r.stdout().strip()));
  }
}
