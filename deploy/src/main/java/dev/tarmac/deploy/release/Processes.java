package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.deploy.config.TarmacConfig.AppProcess;
import dev.tarmac.deploy.config.TarmacConfig.Supervisor;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.release.Phase.Stage;
import dev.tarmac.deploy.remote.CommandResult;
import dev.tarmac.deploy.remote.HookCommands;
import dev.tarmac.deploy.remote.HookEnv;
import dev.tarmac.deploy.remote.HostCommand;
import dev.tarmac.deploy.remote.ProcessCommands;
import dev.tarmac.deploy.remote.ProxyCommands;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The app's processes through a run ({@code release.processes}, docs/processes.md), the same for a
 * release and a rollback: in {@link Stage#PREPARE} the target's processes start on every host in
 * the slot the live release does not use ({@code start processes}) and each with a port must answer
 * as the target version on that port ({@code check processes}); the switch puts the proxy's
 * upstream for the target's slot in place with {@code current} (this is its {@link
 * Fleet.AlsoSwitch}; a switch back puts the live slot's back); in {@link Stage#FINISH} the live
 * release's processes drain and stop ({@code stop old processes}). A failed prepare stops what this
 * run started ({@link #discard}).
 */
final class Processes implements Fleet.AlsoSwitch {
  private final TarmacConfig config;

  /** Per host: the slots as read before this run changed them, and the target's slot. */
  private final Map<String, Map<String, String>> slotsBefore = new ConcurrentHashMap<>();

  private final Map<String, String> targetSlot = new ConcurrentHashMap<>();

  private volatile String target;

  /** The line a process's script starts with: it loads the configuration (layout, version). */
  private final java.util.function.BiFunction<
          dev.tarmac.deploy.remote.ReleaseLayout, String, String>
      loadConfig;

  /** For a run of {@code config} (the target's), its processes loading the version's file. */
  Processes(TarmacConfig config) {
    this(config, (layout, version) -> RenderConfig.load(config, layout, version));
  }

  /** The same, its processes loading what {@code loadConfig} says (the file this run rendered). */
  Processes(
      TarmacConfig config,
      java.util.function.BiFunction<dev.tarmac.deploy.remote.ReleaseLayout, String, String>
          loadConfig) {
    this.config = config;
    this.loadConfig = loadConfig;
  }

  /** Whether the target has processes: else none of these phases is in the list. */
  boolean any() {
    return !config.release().processes().isEmpty();
  }

  Phase start() {
    return Phase.when(any(), Phase.eachHost("start processes", Stage.PREPARE, this::startOn));
  }

  Phase check() {
    return Phase.when(any(), Phase.eachHost("check processes", Stage.PREPARE, this::checkOn));
  }

  Phase stopOld() {
    return Phase.when(any(), Phase.eachHost("stop old processes", Stage.FINISH, this::stopOldOn));
  }

  /** The environment's supervisor on {@code m} (relative paths under its deploy_to). */
  private Supervisor supervisor(Run run, Member m) {
    return run.env
        .supervisor()
        .map(s -> s.on(m.layout.deployTo()))
        .orElseThrow(
            () ->
                new Fleet.StepFailed(
                    "environments." + run.envName + ".supervisor is not set (docs/processes.md)"));
  }

  private void startOn(Run run, Member m) {
    target = run.version();
    run.alsoSwitch(this);
    Map<String, String> slots = run.fleet.run(m, ProcessCommands.readSlots(m.layout));
    slotsBefore.put(m.name(), slots);
    String slot = ProcessCommands.nextSlot(slots, m.previous);
    targetSlot.put(m.name(), slot);
    String version = run.version();
    Map<String, String> vars =
        new LinkedHashMap<>(
            new HookEnv(run.app, version, run.envName, m.name(), null).variables(m.layout));
    vars.remove("TARMAC_PREVIOUS_VERSION"); // the same program file whatever was live before
    Map<String, String> scripts = new LinkedHashMap<>();
    Map<String, String> files = new LinkedHashMap<>();
    List<AppProcess> served = config.release().served();
    for (AppProcess p : config.release().processes().values()) {
      String program = program(run, p, slot);
      String script = ProcessCommands.scriptPath(m.layout, p.name(), version);
      scripts.put(script, loadConfig.apply(m.layout, version) + ProcessCommands.script(p));
      files.put(
          program,
          ProcessCommands.programFile(
              program,
              script,
              m.layout.release(version),
              p.port() ? ProcessCommands.port(m.host.ports(), served, p.name(), slot) : null,
              vars));
    }
    run.fleet.change(
        m, ProcessCommands.start(m.layout, supervisor(run, m), slot, version, scripts, files));
  }

  private void checkOn(Run run, Member m) {
    String slot = targetSlot.get(m.name());
    for (AppProcess p : config.release().served()) {
      if (p.health().isEmpty()) {
        continue;
      }
      TarmacConfig.ProcessHealth h = p.health().get();
      int port = ProcessCommands.port(m.host.ports(), config.release().served(), p.name(), slot);
      try {
        run.fleet.run(
            m,
            HookCommands.health(
                    m.layout,
                    "http://127.0.0.1:" + port + h.path(),
                    (int) Math.max(1, h.timeout().toSeconds()),
                    h.contains().map(c -> c.replace("{version}", run.version())))
                .named("check " + p.name()),
            h.timeout().plusSeconds(10));
      } catch (Fleet.Fenced e) {
        throw e;
      } catch (Fleet.StepFailed e) {
        String log = "";
        try {
          log =
              run.fleet
                  .run(
                      m,
                      ProcessCommands.tail(supervisor(run, m), program(run, p, slot))
                          .named("log of " + p.name()))
                  .stdout();
        } catch (RuntimeException ignored) {
          // the failed task says why
        }
        throw new Fleet.StepFailed(
            e.getMessage()
                + "\nrelease.processes."
                + p.name()
                + " ("
                + program(run, p, slot)
                + ", port "
                + port
                + ") never answered as "
                + run.version()
                + "; nothing was switched, the live processes were not touched"
                + (log.isBlank() ? "" : "; its output ends with:\n" + Fleet.printable(tail(log))));
      }
    }
  }

  private static String tail(String log) {
    List<String> lines = log.strip().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
  }

  /** After the switch: the processes of the slot the target does not use drain, then stop. */
  private void stopOldOn(Run run, Member m) {
    String slot = targetSlot.get(m.name());
    if (slot == null) {
      return;
    }
    if (config.release().proxy().isEmpty() || config.release().served().isEmpty()) {
      // no proxy switch marked the slot live in the switch's frame: mark it now
      run.fleet.change(m, ProcessCommands.markLive(m.layout, slot));
    }
    String old = ProcessCommands.BLUE.equals(slot) ? ProcessCommands.GREEN : ProcessCommands.BLUE;
    Map<String, String> before = slotsBefore.getOrDefault(m.name(), Map.of());
    if (!before.containsKey(old)) {
      return; // nothing ever ran there
    }
    Duration drain =
        config.release().processes().values().stream()
            .map(AppProcess::drain)
            .max(Duration::compareTo)
            .orElse(Duration.ZERO);
    run.fleet.change(
        m,
        ProcessCommands.stop(supervisor(run, m), drain, programs(run, old))
            .named("stop old processes"),
        drain.plusSeconds(60));
  }

  /** Stops what this run started, where it started it (the live slot is never touched). */
  void discard(Run run, List<Member> hosts) {
    if (!any()) {
      return;
    }
    run.fleet.eachHost(
        hosts.stream().filter(m -> targetSlot.containsKey(m.name())).toList(),
        run.env.parallel(),
        m ->
            run.fleet.change(
                m,
                ProcessCommands.stop(
                        supervisor(run, m), Duration.ZERO, programs(run, targetSlot.get(m.name())))
                    .named("stop new processes")));
  }

  private List<String> programs(Run run, String slot) {
    return config.release().processes().values().stream().map(p -> program(run, p, slot)).toList();
  }

  private static String program(Run run, AppProcess p, String slot) {
    return ProcessCommands.program(run.app, run.envName, p.name(), slot);
  }

  // ---- the proxy, switched with current ----

  /**
   * The upstream for {@code version}'s slot on {@code m}: the target's, or (switching back) the
   * live release's; null when that version has no slot here (it ran no processes).
   */
  @Override
  public HostCommand<CommandResult> stage(Member m, String version, boolean back) {
    if (config.release().proxy().isEmpty() || config.release().served().isEmpty()) {
      return null;
    }
    String slot = slotSwitchedTo(m, version, back);
    if (slot == null) {
      return null;
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (AppProcess p : config.release().served()) {
      ports.put(
          p.name(),
          ProcessCommands.port(m.host.ports(), config.release().served(), p.name(), slot));
    }
    return ProxyCommands.stage(
        config.release().proxy().get().on(m.layout.deployTo()),
        ProxyCommands.upstreamFile(config.app(), version, ports));
  }

  @Override
  public HostCommand<CommandResult> swap(Member m, String version, boolean back) {
    return ProxyCommands.swap(
            config.release().proxy().get().on(m.layout.deployTo()), m.layout.deployTo())
        .then(ProcessCommands.markLive(m.layout, slotSwitchedTo(m, version, back)));
  }

  /**
   * The slot a switch to {@code version} sends requests to: the target's going forward; the slot
   * that served before this run going back (the live one: when the live version is released again,
   * both slots hold it).
   */
  private String slotSwitchedTo(Member m, String version, boolean back) {
    Map<String, String> before = slotsBefore.getOrDefault(m.name(), Map.of());
    return back ? ProcessCommands.liveSlot(before, version) : targetSlot.get(m.name());
  }
}
