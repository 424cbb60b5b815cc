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
import dev.tarmac.deploy.remote.SwitchCommands;
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
 * release's processes drain and stop ({@code stop old processes}) — or, with {@code
 * release.keep_warm}, stay running until then ({@code keep warm}), so that a rollback within it
 * finds them answering and only switches (docs/processes.md, "Keeping the previous release warm").
 * A failed run stops what it started ({@link #discard}).
 */
final class Processes implements Fleet.AlsoSwitch {
  private final TarmacConfig config;

  /** Per host: the slots as read before this run changed them, and the target's slot. */
  private final Map<String, ProcessCommands.Slots> slotsBefore = new ConcurrentHashMap<>();

  /** The hosts whose target slot was warm and answered: nothing started there. */
  private final java.util.Set<String> warmUsed = ConcurrentHashMap.newKeySet();

  private final Duration keepWarm;
  private final boolean useWarm;

  private final Map<String, String> targetSlot = new ConcurrentHashMap<>();

  private volatile String target;

  /** The line a process's script starts with: it loads the configuration (layout, version). */
  private final java.util.function.BiFunction<
          dev.tarmac.deploy.remote.ReleaseLayout, String, String>
      loadConfig;

  /**
   * For a run of {@code config} (the target's), its processes loading the version's file: the slot
   * it leaves is kept warm for {@code release.keep_warm}; {@code useWarm} (a rollback): a target
   * slot kept warm that answers as the target is used as it runs.
   */
  Processes(TarmacConfig config, boolean useWarm) {
    this(config, (layout, version) -> RenderConfig.load(config, layout, version), useWarm);
  }

  /** The same, its processes loading what {@code loadConfig} says (the file this run rendered). */
  Processes(
      TarmacConfig config,
      java.util.function.BiFunction<dev.tarmac.deploy.remote.ReleaseLayout, String, String>
          loadConfig,
      boolean useWarm) {
    this.config = config;
    this.loadConfig = loadConfig;
    this.keepWarm = config.release().keepWarm();
    this.useWarm = useWarm;
  }

  /**
   * Refuses a run of {@code config} to {@code envName} where a process's {@code roles} name no role
   * a host of the environment has: asked before anything starts (docs/processes.md, "Workers: per
   * role, and the ones that must not run twice").
   */
  static void checkRoles(TarmacConfig config, String envName) {
    TarmacConfig.Environment env = config.environment(envName);
    java.util.Set<String> roles = new java.util.TreeSet<>();
    env.hosts().forEach(h -> roles.addAll(h.roles()));
    List<String> problems = new java.util.ArrayList<>();
    for (AppProcess p : config.release().processes().values()) {
      if (!p.roles().isEmpty() && env.hosts().stream().noneMatch(p::runsOn)) {
        problems.add(
            "release.processes."
                + p.name()
                + " runs on hosts with the role "
                + String.join(" or ", p.roles())
                + ", and no host of environments."
                + envName
                + " has it (its roles: "
                + String.join(", ", roles)
                + "); nothing was started");
      }
    }
    if (!problems.isEmpty()) {
      throw new dev.tarmac.deploy.config.ConfigException(
          "tarmac.yml",
          problems,
          "Give a host that role (hosts[].roles) or change the process's roles.");
    }
  }

  /** The processes of the target that run on {@code m} (its {@code roles}). */
  private List<AppProcess> on(Member m) {
    return config.release().processes().values().stream().filter(p -> p.runsOn(m.host)).toList();
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
    if (on(m).isEmpty()) {
      return; // none of its roles: nothing runs here
    }
    ProcessCommands.Slots read = run.fleet.run(m, ProcessCommands.readSlots(m.layout));
    slotsBefore.put(m.name(), read);
    Map<String, String> slots = read.versions();
    String slot = ProcessCommands.nextSlot(slots, m.previous);
    targetSlot.put(m.name(), slot);
    String version = run.version();
    Long warmUntil = read.warmUntil().get(slot);
    if (warmUntil != null
        && useWarm
        && version.equals(slots.get(slot))
        && warmUntil > run.options.clock().instant().getEpochSecond()
        && answers(run, m, slot)) {
      warmUsed.add(m.name());
      return; // kept warm: only the switch back
    }
    Map<String, String> vars =
        new LinkedHashMap<>(
            new HookEnv(run.app, version, run.envName, m.name(), null).variables(m.layout));
    vars.remove("TARMAC_PREVIOUS_VERSION"); // the same program file whatever was live before
    Map<String, String> scripts = new LinkedHashMap<>();
    Map<String, String> files = new LinkedHashMap<>();
    List<AppProcess> served = config.release().served();
    for (AppProcess p : on(m)) {
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
    // start: after_switch ones get their files now, and start in the finish (switchOnce)
    List<String> now =
        on(m).stream().filter(p -> !p.afterSwitch()).map(p -> program(run, p, slot)).toList();
    HostCommand<CommandResult> start =
        ProcessCommands.start(m.layout, supervisor(run, m), slot, version, scripts, files, now);
    if (warmUntil != null) {
      // what was kept warm there (past its time, not answering, another version) stops first:
      // the slot is started afresh
      start = ProcessCommands.stoppingFirst(supervisor(run, m), programs(run, m, slot), start);
    }
    run.fleet.change(m, start);
  }

  /**
   * Whether every process with a {@code health} answers as the target on its port in {@code slot}
   * now (one try each): a warm slot that does not is started again.
   */
  private boolean answers(Run run, Member m, String slot) {
    for (AppProcess p : config.release().served()) {
      if (p.health().isEmpty()) {
        continue;
      }
      try {
        run.fleet.run(m, health(run, m, p, slot, 0).named("check warm " + p.name()));
      } catch (Fleet.Fenced e) {
        throw e;
      } catch (Fleet.StepFailed e) {
        return false; // the failed task says what it answered
      }
    }
    return true;
  }

  private HostCommand<CommandResult> health(
      Run run, Member m, AppProcess p, String slot, int timeoutSeconds) {
    TarmacConfig.ProcessHealth h = p.health().get();
    int port = ProcessCommands.port(m.host.ports(), config.release().served(), p.name(), slot);
    return HookCommands.health(
        m.layout,
        "http://127.0.0.1:" + port + h.path(),
        timeoutSeconds,
        h.contains().map(c -> c.replace("{version}", run.version())));
  }

  private void checkOn(Run run, Member m) {
    String slot = targetSlot.get(m.name());
    if (warmUsed.contains(m.name())) {
      return; // it answered as the target in start processes
    }
    for (AppProcess p : config.release().served()) {
      if (p.health().isEmpty()) {
        continue;
      }
      TarmacConfig.ProcessHealth h = p.health().get();
      int port = ProcessCommands.port(m.host.ports(), config.release().served(), p.name(), slot);
      try {
        run.fleet.run(
            m,
            health(run, m, p, slot, (int) Math.max(1, h.timeout().toSeconds()))
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

  /**
   * After the switch: the processes of the slot the target does not use drain, then stop; with
   * {@code keep_warm}, they keep running, the slot recorded as warm until then.
   */
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
    ProcessCommands.Slots before =
        slotsBefore.getOrDefault(m.name(), new ProcessCommands.Slots(Map.of(), Map.of()));
    boolean oldRan = before.versions().containsKey(old);
    List<AppProcess> once = on(m).stream().filter(AppProcess::afterSwitch).toList();
    if (!once.isEmpty()) {
      // never two copies: the old slot's stop (TERM, KILL after 10 s) returns once it exited,
      // then the target's start; keep_warm does not keep these (docs/processes.md)
      run.fleet.change(
          m,
          ProcessCommands.switchOnce(
              supervisor(run, m),
              oldRan ? once.stream().map(p -> program(run, p, old)).toList() : List.of(),
              once.stream().map(p -> program(run, p, slot)).toList()));
    }
    if (!oldRan) {
      return; // nothing ever ran there
    }
    if (!keepWarm.isZero()) {
      long until = run.options.clock().instant().plus(keepWarm).getEpochSecond();
      run.fleet.change(m, ProcessCommands.warm(m.layout, old, until));
      return;
    }
    if (warmUsed.contains(m.name())) {
      // the warm line named the slot now live: it goes (a start would have dropped it)
      run.fleet.change(m, ProcessCommands.warm(m.layout, null, 0));
    }
    List<String> draining =
        on(m).stream().filter(p -> !p.afterSwitch()).map(p -> program(run, p, old)).toList();
    if (draining.isEmpty()) {
      return; // only start: after_switch ones, stopped above
    }
    Duration drain =
        on(m).stream()
            .filter(p -> !p.afterSwitch())
            .map(AppProcess::drain)
            .max(Duration::compareTo)
            .orElse(Duration.ZERO);
    run.fleet.change(
        m,
        ProcessCommands.stop(supervisor(run, m), drain, draining).named("stop old processes"),
        drain.plusSeconds(60));
  }

  /**
   * Stops what this run started, where it started it (the live slot is never touched, nor a warm
   * slot this run found running): before the barrier, and after a failure past it (the hosts
   * switched back, or never switched). The {@code start: after_switch} ones never started then
   * (they start in the finish): the live release's keep running.
   */
  void discard(Run run, List<Member> hosts) {
    if (!any()) {
      return;
    }
    run.fleet.eachHost(
        hosts.stream()
            .filter(
                m ->
                    targetSlot.containsKey(m.name())
                        && !warmUsed.contains(m.name())
                        && on(m).stream().anyMatch(p -> !p.afterSwitch()))
            .toList(),
        run.env.parallel(),
        m ->
            run.fleet.change(
                m,
                ProcessCommands.stop(
                        supervisor(run, m),
                        Duration.ZERO,
                        on(m).stream()
                            .filter(p -> !p.afterSwitch())
                            .map(p -> program(run, p, targetSlot.get(m.name())))
                            .toList())
                    .named("stop new processes")));
  }

  private List<String> programs(Run run, Member m, String slot) {
    return on(m).stream().map(p -> program(run, p, slot)).toList();
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
  public List<SwitchCommands.Rename> renames(Member m, String version, boolean back) {
    return List.of(ProxyCommands.rename(config.release().proxy().get().on(m.layout.deployTo())));
  }

  @Override
  public HostCommand<CommandResult> swap(Member m, String version, boolean back) {
    return ProxyCommands.reload(
            config.release().proxy().get().on(m.layout.deployTo()), m.layout.deployTo())
        .then(ProcessCommands.markLive(m.layout, slotSwitchedTo(m, version, back)));
  }

  /**
   * The slot a switch to {@code version} sends requests to: the target's going forward; the slot
   * that served before this run going back (the live one: when the live version is released again,
   * both slots hold it).
   */
  private String slotSwitchedTo(Member m, String version, boolean back) {
    ProcessCommands.Slots before = slotsBefore.get(m.name());
    if (!back) {
      return targetSlot.get(m.name());
    }
    return before == null ? null : ProcessCommands.liveSlot(before.versions(), version);
  }
}
