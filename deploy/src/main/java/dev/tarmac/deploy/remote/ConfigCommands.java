package dev.tarmac.deploy.remote;

import java.util.Map;

/**
 * The app's configuration on a host (docs/configuration-and-secrets.md, "On the hosts"): the file a
 * release renders into its directory, and the line that loads it into a hook's or a process's
 * environment. Pure functions returning the exact command (docs/architecture.md, "One shell per
 * host").
 *
 * <p>The file is written by the deploy user's shell with {@code umask 077} under a temporary name
 * created exclusively ({@code set -C}: a name planted in the artifact is removed first, never
 * written through), then renamed over the file ({@code mv -fT}: a link or directory of that name in
 * the artifact is replaced, never followed). Its content is sent in the command, which the host
 * shell reads from its input and runs with the builtin {@code printf}: no value is an argument of a
 * program another user could see in {@code ps}.
 */
public final class ConfigCommands {
  private ConfigCommands() {}

  /** Writes {@code content} ({@link #dotenv}) to {@code dir/file}, mode 600, atomically. */
  public static HostCommand<CommandResult> write(String dir, String file, String content) {
    String tmp = file + ".tarmac-new";
    StringBuilder out = new StringBuilder();
    out.append("cd ").append(Shell.quote(dir)).append(" || exit 1\n");
    out.append("umask 077\n");
    int slash = file.lastIndexOf('/');
    if (slash > 0) {
      out.append("mkdir -p ").append(Shell.quote(file.substring(0, slash))).append(" || exit 1\n");
    }
    out.append("rm -f ").append(Shell.quote(tmp)).append(" || exit 1\n");
    out.append("set -C\n");
    out.append("printf '%s' ")
        .append(Shell.quote(content))
        .append(" > ")
        .append(Shell.quote(tmp))
        .append(" || exit 1\n");
    out.append("chmod 600 ").append(Shell.quote(tmp)).append(" || exit 1\n");
    out.append("mv -fT ").append(Shell.quote(tmp)).append(' ').append(Shell.quote(file));
    return HostCommand.of("write config", out.toString());
  }

  /**
   * The file's text: a comment line ({@code header}), then {@code NAME="value"} per name, in the
   * given order. Inside the double quotes {@code \}, {@code "}, {@code $} and {@code `} are escaped
   * with a backslash and a newline stays as it is: exactly what {@code set -a; . ./.env} in a POSIX
   * shell reads back, and what dotenv readers that undo those escapes do.
   */
  public static String dotenv(String header, Map<String, String> values) {
    StringBuilder out = new StringBuilder();
    out.append("# ").append(header.replace('\n', ' ')).append('\n');
    values.forEach(
        (name, value) -> {
          if (!name.matches("[A-Z_][A-Z0-9_]*")) {
            throw new IllegalArgumentException("not a configuration name: " + name);
          }
          if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(name + " holds a NUL byte");
          }
          out.append(name).append("=\"").append(escaped(value)).append("\"\n");
        });
    return out.toString();
  }

  /**
   * {@code value} as it stands between the file's double quotes: {@code \\}, {@code "}, {@code $}
   * and {@code `} escaped with a backslash (also how bash's {@code export -p} prints it).
   */
  public static String escaped(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == '"' || c == '$' || c == '`') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  /**
   * Loads {@code path} (absolute) into the environment of what follows, every name exported, when
   * it exists; {@code PORT}, when set before (a process's slot port), stays as it was.
   */
  public static String load(String path) {
    String q = Shell.quote(path);
    return "if [ -f "
        + q
        + " ]; then tm_port=${PORT-}; set -a; . "
        + q
        + " || exit 1; set +a; [ -z \"$tm_port\" ] || PORT=$tm_port; fi";
  }
}
