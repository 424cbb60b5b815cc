package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Names;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The app's own commands on a host — hooks of every phase, the database backup and restore around
 * them — and the health check: pure functions returning each command as a {@link HostCommand} (its
 * exact string, its parser) (docs/architecture.md, "One shell per host"). What parses their output
 * lives here too.
 */
public final class HookCommands {
  private HookCommands() {}

  /**
   * Runs a phase's hooks in order in {@code dir}, with the {@code TARMAC_*} variables exported; the
   * first failing hook stops the phase.
   */
  public static HostCommand<CommandResult> hooks(
      String dir, Map<String, String> variables, List<String> hooks) {
    StringBuilder out = new StringBuilder("cd ").append(Shell.quote(dir)).append(" || exit 1\n");
    out.append("export");
    variables.forEach((k, v) -> out.append(' ').append(k).append('=').append(Shell.quote(v)));
    for (String hook : hooks) {
      out.append("\nsh -c ").append(Shell.quote(hook)).append(" || exit $?");
    }
    return HostCommand.of("hooks", out.toString());
  }

  /** Where the {@code backup} and {@code restore} hooks find {@code TARMAC_BACKUP_FILE}. */
  public static String backupFile(ReleaseLayout layout, String version) {
    return layout.meta() + "/backups/" + Names.version(version) + ".sql.gz";
  }

  /** Prepares {@code .tarmac/backups/} and removes an old dump of the same version. */
  public static HostCommand<CommandResult> prepareBackup(ReleaseLayout layout, String version) {
    String file = backupFile(layout, version);
    return HostCommand.of(
        "backup",
        "mkdir -p " + Shell.quote(layout.meta() + "/backups") + " && rm -f " + Shell.quote(file));
  }

  /**
   * Sends the dump the {@code backup} hook wrote to the store with {@code curl -T} (a signed PUT
   * URL: the host holds no store credentials) and prints its sha256 and size.
   */
  public static HostCommand<Uploaded> uploadBackup(
      ReleaseLayout layout, String version, URI putUrl) {
    String file = Shell.quote(backupFile(layout, version));
    return HostCommand.of(
            "upload backup",
            "[ -s "
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
                + ")\"")
        .parsing(r -> Uploaded.parse(r.stdout()));
  }

  /**
   * Downloads a stored dump for the {@code restore} hook, to {@link #backupFile}, and checks it
   * against the sha256 recorded when it was taken: a dump changed in the store is never restored.
   */
  public static HostCommand<CommandResult> downloadBackup(
      ReleaseLayout layout, String version, URI getUrl, String sha256) {
    String file = Shell.quote(backupFile(layout, version));
    if (!sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("not a sha256: " + sha256);
    }
    return HostCommand.of(
        "restore database",
        "mkdir -p "
            + Shell.quote(layout.meta() + "/backups")
            + " && curl --fail --silent --show-error --retry 3 --output "
            + file
            + " "
            + Shell.quote(getUrl.toString())
            + " || exit 10\n"
            + "set -- $(sha256sum "
            + file
            + ")\n"
            + "[ \"$1\" = "
            + sha256
            + " ] || { rm -f "
            + file
            + "; echo \"the dump has sha256 $1, the release record says "
            + sha256
            + "; it was not restored\" >&2; exit 7; }");
  }

  /** What {@link #uploadBackup} printed: the dump's sha256 and size. */
  public record Uploaded(String sha256, long size) {
    public static Uploaded parse(String stdout) {
      String[] shaSize = stdout.strip().split(" ");
      if (shaSize.length != 2 || !shaSize[0].matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("not a sha256 and a size: " + stdout.strip());
      }
      return new Uploaded(shaSize[0], Long.parseLong(shaSize[1]));
    }
  }

  /**
   * Fetches {@code url} from the host until it answers 200 (and contains {@code contains}, when
   * given) or {@code timeoutSeconds} pass; prints why it failed.
   */
  public static HostCommand<CommandResult> health(
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
    return HostCommand.of(
        "health",
        "end=$(( $(date +%s) + "
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
            + "  sleep 0.2\ndone");
  }
}
