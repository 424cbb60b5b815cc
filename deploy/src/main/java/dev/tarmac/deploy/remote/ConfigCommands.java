package dev.tarmac.deploy.remote;

import java.util.ArrayList;
import java.util.List;
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

  /**
   * Where a release's directory keeps the files it rendered, one per revision pair ({@link
   * #rendered}): written once, never changed; {@code config.file} is a link to one of them.
   */
  public static final String RENDERED = ".tarmac-config";

  /**
   * The name of the file rendered from the app's revision {@code app} and the env's {@code env}.
   */
  public static String rendered(long app, long env) {
    return "a" + app + "-e" + env + ".env";
  }

  /**
   * Writes {@code content} ({@link #dotenv}) to {@code dir/.tarmac-config/name}, mode 600,
   * atomically; with {@code point}, {@code dir/file} then becomes a link to it (one rename). A
   * release directory that is live gets no {@code point}: its link is switched with {@code current}
   * ({@link #stageLink}, {@link #swapLink}), so a release of the live version that fails leaves the
   * live file as it was.
   */
  public static HostCommand<CommandResult> write(
      String dir, String file, String name, String content, boolean point) {
    String tmp = RENDERED + "/" + name + ".tarmac-new";
    List<String> lines = new ArrayList<>();
    lines.add("cd " + Shell.quote(dir));
    lines.add("umask 077");
    // a link of that name planted by the artifact is removed, never written through
    lines.add("if [ -L " + RENDERED + " ]; then rm -f " + RENDERED + "; fi");
    lines.add("mkdir -p " + RENDERED);
    lines.add("rm -f " + Shell.quote(tmp));
    lines.add("set -C");
    lines.add("printf '%s' " + Shell.quote(content) + " > " + Shell.quote(tmp));
    lines.add("chmod 600 " + Shell.quote(tmp));
    lines.add("mv -fT " + Shell.quote(tmp) + " " + Shell.quote(RENDERED + "/" + name));
    if (point) {
      int slash = file.lastIndexOf('/');
      if (slash > 0) {
        lines.add("mkdir -p " + Shell.quote(file.substring(0, slash)));
      }
      lines.add("rm -f " + Shell.quote(file + ".tarmac-new"));
      lines.add(
          "ln -s " + Shell.quote(target(file, name)) + " " + Shell.quote(file + ".tarmac-new"));
      lines.add("mv -fT " + Shell.quote(file + ".tarmac-new") + " " + Shell.quote(file));
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      boolean plain = line.equals("umask 077") || line.equals("set -C");
      out.append(line)
          .append(plain || i == lines.size() - 1 ? "" : " || exit 1")
          .append(i == lines.size() - 1 ? "" : "\n");
    }
    return HostCommand.of("write config", out.toString());
  }

  /**
   * Stages the switch of a live release's {@code dir/file} to {@code name}: {@code
   * <file>.tarmac-next} links to it, {@code <file>.tarmac-back} to what {@code <file>} links to now
   * (a file rendered by an earlier Tarmac is first copied to {@code .tarmac-config/before.env} and
   * linked, the same bytes; a {@code before.env} planted by the artifact, say a link into the web
   * root, is removed first, never written through); nothing the app reads changes here.
   */
  public static HostCommand<CommandResult> stageLink(String dir, String file, String name) {
    String f = Shell.quote(dir + "/" + file);
    String before = RENDERED + "/before.env";
    return HostCommand.of(
        "stage config",
        "{ if [ -f "
            + f
            + " ] && [ ! -L "
            + f
            + " ]; then rm -f "
            + Shell.quote(dir + "/" + before)
            + " && cp -p "
            + f
            + " "
            + Shell.quote(dir + "/" + before)
            + " && "
            + relink(dir + "/" + file, target(file, "before.env"))
            + "; fi; } && rm -f "
            + Shell.quote(dir + "/" + file + ".tarmac-next")
            + " "
            + Shell.quote(dir + "/" + file + ".tarmac-back")
            + " && { if [ -L "
            + f
            + " ]; then ln -s \"$(readlink "
            + f
            + ")\" "
            + Shell.quote(dir + "/" + file + ".tarmac-back")
            + "; fi; } && ln -s "
            + Shell.quote(target(file, name))
            + " "
            + Shell.quote(dir + "/" + file + ".tarmac-next"));
  }

  /**
   * In the switch's frame: {@code <file>.tarmac-next} over {@code <file>} (one rename); going back,
   * {@code <file>.tarmac-back} over it, or no file when the live release had none.
   */
  public static HostCommand<CommandResult> swapLink(String dir, String file, boolean back) {
    String f = Shell.quote(dir + "/" + file);
    if (!back) {
      return HostCommand.of(
          "swap config", "mv -fT " + Shell.quote(dir + "/" + file + ".tarmac-next") + " " + f);
    }
    String b = Shell.quote(dir + "/" + file + ".tarmac-back");
    return HostCommand.of(
        "swap config back",
        "{ if [ -L " + b + " ]; then mv -fT " + b + " " + f + "; else rm -f " + f + "; fi; }");
  }

  /**
   * Points {@code dir/file} (a release that is not live) at the rendered {@code name} again, when
   * that file is there (a directory rendered before Tarmac kept one per revision is left as it is):
   * a rollback's target then reads the configuration its release rendered, whatever a later failed
   * release of the same version rendered since.
   */
  public static HostCommand<CommandResult> point(String dir, String file, String name) {
    return HostCommand.of(
        "point config",
        "if [ -f "
            + Shell.quote(dir + "/" + RENDERED + "/" + name)
            + " ]; then "
            + relink(dir + "/" + file, target(file, name))
            + "; fi");
  }

  /**
   * Once the release is live: removes the files rendered in {@code dir} other than {@code name}
   * (the one {@code file} links to) and the switch's spare links — a rotated secret's old value is
   * not left in the live release's directory.
   */
  public static HostCommand<CommandResult> forget(String dir, String file, String name) {
    String d = Shell.quote(dir + "/" + RENDERED);
    return HostCommand.of(
        "forget old config",
        "rm -f "
            + Shell.quote(dir + "/" + file + ".tarmac-back")
            + " "
            + Shell.quote(dir + "/" + file + ".tarmac-next")
            + " && if [ -d "
            + d
            + " ] && [ ! -L "
            + d
            + " ]; then for tm_f in "
            + d
            + "/*.env; do [ \"$tm_f\" = "
            + Shell.quote(dir + "/" + RENDERED + "/" + name)
            + " ] || rm -f \"$tm_f\" || exit 1; done; fi");
  }

  /** {@code link} made a link to {@code target} by one rename (a temporary link beside it). */
  private static String relink(String link, String target) {
    String tmp = Shell.quote(link + ".tarmac-new");
    return "rm -f "
        + tmp
        + " && ln -s "
        + Shell.quote(target)
        + " "
        + tmp
        + " && mv -fT "
        + tmp
        + " "
        + Shell.quote(link);
  }

  /** The link's text from {@code file} to the rendered {@code name}, relative to its directory. */
  private static String target(String file, String name) {
    int depth = (int) file.chars().filter(c -> c == '/').count();
    return "../".repeat(depth) + RENDERED + "/" + name;
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
