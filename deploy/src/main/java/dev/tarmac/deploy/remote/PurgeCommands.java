package dev.tarmac.deploy.remote;

import java.util.Map;

/**
 * The cache purge a host sends after the switch ({@code release.purge} with {@code from: hosts};
 * docs/cdn-and-caches.md): {@code curl} to a cache in front of the app on that host (Varnish,
 * nginx), any 2xx answer a success.
 */
public final class PurgeCommands {
  private PurgeCommands() {}

  /**
   * {@code method url} with {@code headers}; prints the status, exits 1 (saying why) unless 2xx.
   */
  public static HostCommand<CommandResult> purge(
      String method, String url, Map<String, String> headers) {
    StringBuilder h = new StringBuilder();
    headers.forEach(
        (name, value) -> h.append(" --header ").append(Shell.quote(name + ": " + value)));
    return HostCommand.of(
        "purge",
        "code=$(curl --silent --show-error --max-time 10 --output /dev/null --write-out"
            + " '%{http_code}' --request "
            + Shell.quote(method)
            + h
            + " "
            + Shell.quote(url)
            + " 2>&1) || true\n"
            + "case \"$code\" in 2??) echo \"$code\";; *) printf '%s %s answered %s\\n' "
            + Shell.quote(method)
            + " "
            + Shell.quote(url)
            + " \"$code\" >&2; exit 1;; esac");
  }
}
