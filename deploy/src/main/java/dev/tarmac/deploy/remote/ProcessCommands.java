package dev.tarmac.deploy.remote;

import dev.tarmac.deploy.config.TarmacConfig.AppProcess;
import dev.tarmac.deploy.config.TarmacConfig.Supervisor;
import dev.tarmac.distributor.model.Names;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The app's processes on a host, under its supervisord ({@code release.processes},
 * docs/processes.md): one program file per process and slot in the supervisor's include directory,
 * started, checked, stopped with {@code supervisorctl -c}; pure functions returning each command as
 * a {@link HostCommand} (its exact string, its parser).
 *
 * <p>Each process has two <b>slots</b>, {@code blue} and {@code green}: the new release takes the
 * one the live release does not use, so both run side by side until the switch. A process with a
 * port gets {@code ports + 2 * i} in blue and {@code ports + 2 * i + 1} in green ({@code i}: its
 * place among the processes with a port). Which version each slot holds is in {@code
 * .tarmac/slots}, one line {@code <slot> <version>} each, and which slot the proxy sends requests
 * to in a line {@code live <slot>}, appended by each switch (the last one counts): when the live
 * version is released again both slots hold it, and only that line tells them apart.
 */
public final class ProcessCommands {
  private ProcessCommands() {}

  public static final String BLUE = "blue";
  public static final String GREEN = "green";

  /** Where a host says which version each slot holds. */
  public static String slotsFile(ReleaseLayout layout) {
    return layout.meta() + "/slots";
  }

  /**
   * What {@code .tarmac/slots} says: the version each slot holds, and (a {@code warm <slot>
   * <epoch-second>} line) until when a slot kept warm may run (docs/processes.md, "Keeping the
   * previous release warm"); both empty when there is no file yet.
   */
  public record Slots(Map<String, String> versions, Map<String, Long> warmUntil) {
    public Slots {
      versions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(versions));
      warmUntil = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(warmUntil));
    }
  }

  /** Prints {@code .tarmac/slots} (nothing when there is none yet). */
  public static HostCommand<Slots> readSlots(ReleaseLayout layout) {
    String f = Shell.quote(slotsFile(layout));
    return HostCommand.of("read slots", "if [ -f " + f + " ]; then cat " + f + "; fi")
        .parsing(r -> new Slots(parseSlots(r.stdout()), parseWarm(r.stdout())));
  }

  /** {@code warm green 1765000000} → {green=1765000000}; other lines are ignored. */
  public static Map<String, Long> parseWarm(String out) {
    Map<String, Long> warm = new LinkedHashMap<>();
    for (String line : out.strip().split("\n")) {
      String[] parts = line.strip().split(" ");
      if (parts.length == 3
          && parts[0].equals("warm")
          && (parts[1].equals(BLUE) || parts[1].equals(GREEN))
          && parts[2].matches("[0-9]{1,18}")) {
        warm.put(parts[1], Long.parseLong(parts[2]));
      }
    }
    return warm;
  }

  /**
   * Records in {@code .tarmac/slots} that {@code slot} is kept warm until {@code until} (epoch
   * seconds, by the service's clock), in place of any such line before; with {@code slot} null,
   * only removes them. The versions' lines stay as they are.
   */
  public static HostCommand<CommandResult> warm(ReleaseLayout layout, String slot, long until) {
    String f = Shell.quote(slotsFile(layout));
    String tmp = Shell.quote(slotsFile(layout) + ".tmp");
    return HostCommand.of(
        slot == null ? "forget warm slot" : "keep warm",
        "{ grep -v '^warm ' "
            + f
            + " 2>/dev/null"
            + (slot == null ? "" : "; echo " + Shell.quote("warm " + slot(slot) + " " + until))
            + "; } > "
            + tmp
            + " && mv -f "
            + tmp
            + " "
            + f);
  }

  private static String slot(String slot) {
    if (!BLUE.equals(slot) && !GREEN.equals(slot)) {
      throw new IllegalArgumentException("not a slot: " + slot);
    }
    return slot;
  }

  /** The key of {@link #parseSlots}'s map that holds the slot marked live. */
  public static final String LIVE = "live";

  /**
   * {@code blue v1\ngreen v2\nlive green} → {blue=v1, green=v2, live=green}; of the {@code live}
   * lines the last counts; other lines are ignored.
   */
  public static Map<String, String> parseSlots(String out) {
    Map<String, String> slots = new LinkedHashMap<>();
    for (String line : out.strip().split("\n")) {
      String[] parts = line.strip().split(" ");
      if (parts.length == 2
          && (parts[0].equals(BLUE) || parts[0].equals(GREEN))
          && Names.isVersion(parts[1])) {
        slots.put(parts[0], parts[1]);
      } else if (parts.length == 2
          && parts[0].equals(LIVE)
          && (parts[1].equals(BLUE) || parts[1].equals(GREEN))) {
        slots.put(LIVE, parts[1]);
      }
    }
    return slots;
  }

  /** The slot {@code version} holds in {@code slots}, or null (blue first when both do). */
  public static String slotOf(Map<String, String> slots, String version) {
    if (version == null) {
      return null;
    }
    return version.equals(slots.get(BLUE)) ? BLUE : version.equals(slots.get(GREEN)) ? GREEN : null;
  }

  /**
   * The slot that serves {@code version} when it is live: the one marked live when it holds that
   * version (both slots do after the live version was released again), else the one that holds it.
   */
  public static String liveSlot(Map<String, String> slots, String version) {
    String marked = slots.get(LIVE);
    if (version != null && marked != null && version.equals(slots.get(marked))) {
      return marked;
    }
    return slotOf(slots, version);
  }

  /** The slot a version goes to next to the live one: the other one; blue when none is live. */
  public static String nextSlot(Map<String, String> slots, String live) {
    String used = liveSlot(slots, live);
    return BLUE.equals(used) ? GREEN : BLUE;
  }

  /**
   * Appends {@code live <slot>} to {@code .tarmac/slots}, in the switch's frame right after the
   * proxy's swap: a shell builtin, no program started (the switch's window).
   */
  public static HostCommand<CommandResult> markLive(ReleaseLayout layout, String slot) {
    if (!BLUE.equals(slot) && !GREEN.equals(slot)) {
      throw new IllegalArgumentException("not a slot: " + slot);
    }
    return HostCommand.of(
        "mark live slot",
        "echo " + Shell.quote(LIVE + " " + slot) + " >> " + Shell.quote(slotsFile(layout)));
  }

  /** The port of {@code process} in {@code slot}: {@code ports + 2 * index (+ 1 in green)}. */
  public static int port(int ports, List<AppProcess> served, String process, String slot) {
    for (int i = 0; i < served.size(); i++) {
      if (served.get(i).name().equals(process)) {
        return ports + 2 * i + (GREEN.equals(slot) ? 1 : 0);
      }
    }
    throw new IllegalArgumentException(process + " has no port");
  }

  /** {@code <app>-<env>-<process>-<slot>}: the supervisor's program name. */
  public static String program(String app, String env, String process, String slot) {
    return app + "-" + env + "-" + process + "-" + slot;
  }

  /**
   * A supervisor program file: the process's {@link #script} in the release's directory, with
   * {@code PORT} (when it has one) and the {@code TARMAC_*} variables; not started by supervisord
   * itself ({@code autostart=false}: Tarmac starts it), restarted when it dies, its whole process
   * group stopped. The user's command is in the script, never in this file: supervisor's config
   * parser would cut it at {@code " ;"} and expand its {@code %}.
   */
  public static String programFile(
      String program, String script, String dir, Integer port, Map<String, String> variables) {
    StringBuilder env = new StringBuilder();
    if (port != null) {
      env.append("PORT=\"").append(port).append('"');
    }
    variables.forEach(
        (k, v) -> {
          if (!k.matches("[A-Z_][A-Z0-9_]*") || !v.matches("[A-Za-z0-9._/@+:-]*")) {
            throw new IllegalArgumentException("cannot pass " + k + "=" + v + " to supervisor");
          }
          env.append(env.length() == 0 ? "" : ",").append(k).append("=\"").append(v).append('"');
        });
    return "[program:"
        + program
        + "]\n"
        + "command=/bin/sh "
        + safe(script)
        + "\n"
        + "directory="
        + safe(dir)
        + "\n"
        + "environment="
        + env
        + "\n"
        + "autostart=false\n"
        + "autorestart=true\n"
        + "startsecs=0\n"
        + "stopsignal=TERM\n"
        + "stopwaitsecs=10\n"
        + "stopasgroup=true\n"
        + "killasgroup=true\n"
        + "redirect_stderr=true\n";
  }

  /** The script a program runs: the process's command, as {@code sh} reads it. */
  public static String script(AppProcess p) {
    return "# release.processes." + p.name() + " (written by Tarmac)\n" + p.command() + "\n";
  }

  /** Where the script of {@code process} at {@code version} is: {@code .tarmac/processes/}. */
  public static String scriptPath(ReleaseLayout layout, String process, String version) {
    return layout.meta() + "/processes/" + process + "-" + Names.version(version) + ".sh";
  }

  private static String safe(String path) {
    if (!path.matches("/[A-Za-z0-9._/@+-]*")) {
      throw new IllegalArgumentException("not a plain absolute path: " + path);
    }
    return path;
  }

  /** The program file of {@code program} in the include directory. */
  public static String programPath(Supervisor sv, String program) {
    return sv.include() + "/" + program + ".conf";
  }

  /**
   * Writes each script ({@code scripts}: path → text) and program file (atomically: a temporary
   * name, then {@code mv}), records {@code slot version} in {@code .tarmac/slots}, and has
   * supervisord take the files and start the programs: {@code update} leaves a program whose file
   * did not change as it is (running or not), restarts one whose file changed; {@code start} starts
   * what is not running.
   */
  public static HostCommand<CommandResult> start(
      ReleaseLayout layout,
      Supervisor sv,
      String slot,
      String version,
      Map<String, String> scripts,
      Map<String, String> files) {
    return start(layout, sv, slot, version, scripts, files, List.copyOf(files.keySet()));
  }

  /**
   * The same, starting only {@code started} of the programs: the others ({@code start:
   * after_switch}) are only known to supervisord, started by {@link #switchOnce} in the finish.
   */
  public static HostCommand<CommandResult> start(
      ReleaseLayout layout,
      Supervisor sv,
      String slot,
      String version,
      Map<String, String> scripts,
      Map<String, String> files,
      List<String> started) {
    StringBuilder out =
        new StringBuilder("mkdir -p ")
            .append(Shell.quote(sv.include()))
            .append(' ')
            .append(Shell.quote(layout.meta() + "/processes"));
    scripts.forEach(
        (path, text) ->
            out.append(" && printf '%s' ")
                .append(Shell.quote(text))
                .append(" > ")
                .append(Shell.quote(path)));
    files.forEach(
        (program, text) -> {
          String path = programPath(sv, program);
          out.append(" && printf '%s' ")
              .append(Shell.quote(text))
              .append(" > ")
              .append(Shell.quote(path + ".tmp"))
              .append(" && mv -f ")
              .append(Shell.quote(path + ".tmp"))
              .append(' ')
              .append(Shell.quote(path));
        });
    String slots = Shell.quote(slotsFile(layout));
    String other = BLUE.equals(slot) ? GREEN : BLUE;
    out.append("\n{ grep '^")
        .append(other)
        .append(" ' ")
        .append(slots)
        .append(" 2>/dev/null; grep '^live ' ")
        .append(slots)
        .append(" 2>/dev/null | tail -n 1; echo ")
        .append(Shell.quote(slot + " " + Names.version(version)))
        .append("; } > ")
        .append(Shell.quote(slotsFile(layout) + ".tmp"))
        .append(" && mv -f ")
        .append(Shell.quote(slotsFile(layout) + ".tmp"))
        .append(' ')
        .append(slots)
        .append(" || exit 1\n");
    out.append(ctl(sv)).append(" update ").append(String.join(" ", files.keySet()));
    if (!started.isEmpty()) {
      out.append(" || exit $?\n")
          .append(ctl(sv))
          .append(" start ")
          .append(String.join(" ", started));
    }
    return HostCommand.of("start processes", out.toString());
  }

  /**
   * After {@code drain}, stops the programs (supervisord sends TERM to each process group, then
   * KILL after 10 s). A program that is not running is left as it is.
   */
  public static HostCommand<CommandResult> stop(
      Supervisor sv, Duration drain, List<String> programs) {
    String wait =
        drain.isZero()
            ? ""
            : "sleep "
                + (drain.toMillis() % 1000 == 0
                    ? Long.toString(drain.toSeconds())
                    : String.format(java.util.Locale.ROOT, "%.3f", drain.toMillis() / 1000.0))
                + " && ";
    return HostCommand.of("stop processes", wait + ctl(sv) + " stop " + String.join(" ", programs));
  }

  /**
   * {@code start}, after stopping {@code programs} (a slot kept warm that is started afresh): what
   * is not running or unknown to supervisord is no error there.
   */
  public static HostCommand<CommandResult> stoppingFirst(
      Supervisor sv, List<String> programs, HostCommand<CommandResult> start) {
    return HostCommand.of(
        start.label(),
        ctl(sv) + " stop " + String.join(" ", programs) + " >/dev/null 2>&1\n" + start.text());
  }

  /**
   * The {@code start: after_switch} processes, in the finish: {@code stop} of the old slot's
   * programs returns once they exited (TERM, KILL after {@code stopwaitsecs}), then the new slot's
   * start — never two copies at once. An old program that was not running, or that supervisord does
   * not know (the old release had no such process), is no error; any other answer of the stop (it
   * could not stop it) fails the task before anything starts.
   */
  public static HostCommand<CommandResult> switchOnce(
      Supervisor sv, List<String> old, List<String> started) {
    String stop =
        old.isEmpty()
            ? ""
            : "out=$("
                + ctl(sv)
                + " stop "
                + String.join(" ", old)
                + " 2>&1); printf '%s\\n' \"$out\"\n"
                + "if printf '%s\\n' \"$out\" | grep -v -e ': stopped$' -e ': ERROR (not running)$'"
                + " -e ': ERROR (no such process)$' | grep -q .; then exit 1; fi\n";
    return HostCommand.of(
        "switch after_switch processes", stop + ctl(sv) + " start " + String.join(" ", started));
  }

  /** What a program printed last (for a failed health check's message). */
  public static HostCommand<CommandResult> tail(Supervisor sv, String program) {
    return HostCommand.of("tail", ctl(sv) + " tail " + program);
  }

  private static String ctl(Supervisor sv) {
    return "supervisorctl -c " + Shell.quote(sv.conf());
  }
}
