package dev.tarmac.deploy.remote;

import dev.tarmac.deploy.config.TarmacConfig.Proxy;
import java.util.Map;

/**
 * The proxy on a host ({@code release.proxy}, docs/processes.md): nginx's upstream file, which the
 * user's {@code http} block includes, staged as {@code <file>.new} with the switch's staged link,
 * and put in place with the switch's rename, followed by the graceful reload; pure functions
 * returning each command as a {@link HostCommand} (its exact string, its parser).
 */
public final class ProxyCommands {
  private ProxyCommands() {}

  /** The upstream name of {@code process}: {@code proxy_pass http://<app>_<process>;}. */
  public static String upstream(String app, String process) {
    return app.replace('-', '_') + "_" + process.replace('-', '_');
  }

  /** The file's text: one {@code upstream} block per process with a port ({@code name → port}). */
  public static String upstreamFile(String app, String version, Map<String, Integer> ports) {
    StringBuilder out =
        new StringBuilder("# written by Tarmac: ").append(app).append(' ').append(version);
    out.append('\n');
    ports.forEach(
        (process, port) ->
            out.append("upstream ")
                .append(upstream(app, process))
                .append(" { server 127.0.0.1:")
                .append(port)
                .append("; }\n"));
    return out.toString();
  }

  /** Writes {@code <file>.new} (the directory made when missing). */
  public static HostCommand<CommandResult> stage(Proxy proxy, String text) {
    String file = proxy.nginx();
    return HostCommand.of(
        "stage proxy",
        "mkdir -p "
            + Shell.quote(file.substring(0, Math.max(1, file.lastIndexOf('/'))))
            + " && printf '%s' "
            + Shell.quote(text)
            + " > "
            + Shell.quote(file + ".new"));
  }

  /**
   * {@code <file>.new} over {@code <file>}: one rename, which the switch's waiter makes at the
   * moment of the switch, right after {@code current}'s (docs/architecture.md, "The switch's
   * waiter").
   */
  public static SwitchCommands.Rename rename(Proxy proxy) {
    return new SwitchCommands.Rename(proxy.nginx() + ".new", proxy.nginx());
  }

  /**
   * The reload command, once the file is in place ({@link #rename}), run in the host's {@code
   * deployTo} (a reload of an nginx of several on one machine names its files from there).
   */
  public static HostCommand<CommandResult> reload(Proxy proxy, String deployTo) {
    return HostCommand.of("reload proxy", "cd " + Shell.quote(deployTo) + " && " + proxy.reload());
  }
}
