package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.TarmacConfig.AppProcess;
import dev.tarmac.deploy.config.TarmacConfig.Supervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app's processes under supervisord: exact strings, and the slots file through sh. */
class ProcessCommandsTest {
  private final ReleaseLayout layout = new ReleaseLayout("/srv/shop");
  private final Supervisor sv = new Supervisor("/etc/sv/supervisord.conf", "/etc/sv/conf.d");
  private final AppProcess web =
      new AppProcess("web", "node server.js", true, Optional.empty(), Duration.ofSeconds(30));
  private final AppProcess api =
      new AppProcess("api", "node api.js", true, Optional.empty(), Duration.ofSeconds(30));

  @Test
  void theNewReleaseTakesTheSlotTheLiveOneDoesNotUse() {
    Map<String, String> slots = ProcessCommands.parseSlots("blue v1\ngreen v2\nnoise\n");
    assertThat(slots).containsExactly(Map.entry("blue", "v1"), Map.entry("green", "v2"));
    assertThat(ProcessCommands.nextSlot(slots, "v2")).isEqualTo("blue");
    assertThat(ProcessCommands.nextSlot(slots, "v1")).isEqualTo("green");
    assertThat(ProcessCommands.nextSlot(slots, null)).isEqualTo("blue");
    assertThat(ProcessCommands.nextSlot(Map.of(), "v1")).isEqualTo("blue");
    assertThat(ProcessCommands.slotOf(slots, "v3")).isNull();
  }

  @Test
  void whenBothSlotsHoldTheLiveVersionTheMarkSaysWhichServes() {
    // the live version released again (a configuration change): both slots hold v2, green serves
    Map<String, String> slots =
        ProcessCommands.parseSlots("blue v2\nlive blue\ngreen v2\nlive green\n");
    assertThat(slots.get(ProcessCommands.LIVE)).isEqualTo("green");
    assertThat(ProcessCommands.liveSlot(slots, "v2")).isEqualTo("green");
    assertThat(ProcessCommands.nextSlot(slots, "v2")).isEqualTo("blue");
    // a mark for a slot that holds another version is not taken for the live one
    Map<String, String> stale = ProcessCommands.parseSlots("blue v1\ngreen v2\nlive green\n");
    assertThat(ProcessCommands.liveSlot(stale, "v1")).isEqualTo("blue");
    assertThat(ProcessCommands.nextSlot(stale, "v1")).isEqualTo("green");
    assertThat(ProcessCommands.parseSlots("live red\nlive\n")).isEmpty();
    assertThat(ProcessCommands.markLive(layout, "green").text())
        .isEqualTo("echo 'live green' >> /srv/shop/.tarmac/slots");
    assertThatThrownBy(() -> ProcessCommands.markLive(layout, "red; rm -rf /"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void twoPortsPerServedProcess() {
    List<AppProcess> served = List.of(web, api);
    assertThat(ProcessCommands.port(3100, served, "web", "blue")).isEqualTo(3100);
    assertThat(ProcessCommands.port(3100, served, "web", "green")).isEqualTo(3101);
    assertThat(ProcessCommands.port(3100, served, "api", "blue")).isEqualTo(3102);
    assertThat(ProcessCommands.port(3100, served, "api", "green")).isEqualTo(3103);
    assertThatThrownBy(() -> ProcessCommands.port(3100, served, "worker", "blue"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aProgramFileRunsTheScriptWithItsPortAndVariables() {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("TARMAC_APP", "shop");
    vars.put("TARMAC_VERSION", "v2");
    assertThat(
            ProcessCommands.programFile(
                "shop-prod-web-green",
                ProcessCommands.scriptPath(layout, "web", "v2"),
                layout.release("v2"),
                3101,
                vars))
        .isEqualTo(
            "[program:shop-prod-web-green]\n"
                + "command=/bin/sh /srv/shop/.tarmac/processes/web-v2.sh\n"
                + "directory=/srv/shop/releases/v2\n"
                + "environment=PORT=\"3101\",TARMAC_APP=\"shop\",TARMAC_VERSION=\"v2\"\n"
                + "autostart=false\n"
                + "autorestart=true\n"
                + "startsecs=0\n"
                + "stopsignal=TERM\n"
                + "stopwaitsecs=10\n"
                + "stopasgroup=true\n"
                + "killasgroup=true\n"
                + "redirect_stderr=true\n");
    assertThat(ProcessCommands.script(web))
        .isEqualTo("# release.processes.web (written by Tarmac)\nnode server.js\n");
    assertThatThrownBy(
            () ->
                ProcessCommands.programFile(
                    "p", "/x.sh", "/d", null, Map.of("TARMAC_HOST", "a\"b")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void startWritesTheFilesRecordsTheSlotAndStartsThePrograms() {
    assertThat(
            ProcessCommands.start(
                    layout,
                    sv,
                    "green",
                    "v2",
                    Map.of("/srv/shop/.tarmac/processes/web-v2.sh", "node server.js\n"),
                    Map.of("shop-prod-web-green", "[program:shop-prod-web-green]\n"))
                .text())
        .isEqualTo(
            "mkdir -p /etc/sv/conf.d /srv/shop/.tarmac/processes"
                + " && printf '%s' 'node server.js\n' > /srv/shop/.tarmac/processes/web-v2.sh"
                + " && printf '%s' '[program:shop-prod-web-green]\n'"
                + " > /etc/sv/conf.d/shop-prod-web-green.conf.tmp"
                + " && mv -f /etc/sv/conf.d/shop-prod-web-green.conf.tmp"
                + " /etc/sv/conf.d/shop-prod-web-green.conf\n"
                + "{ grep '^blue ' /srv/shop/.tarmac/slots 2>/dev/null;"
                + " grep '^live ' /srv/shop/.tarmac/slots 2>/dev/null | tail -n 1; echo 'green v2'; }"
                + " > /srv/shop/.tarmac/slots.tmp && mv -f /srv/shop/.tarmac/slots.tmp"
                + " /srv/shop/.tarmac/slots || exit 1\n"
                + "supervisorctl -c /etc/sv/supervisord.conf update shop-prod-web-green || exit $?\n"
                + "supervisorctl -c /etc/sv/supervisord.conf start shop-prod-web-green");
  }

  @Test
  void anAfterSwitchProcessIsOnlyUpdatedInPrepareAndSwitchedInTheFinish() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("shop-prod-worker-green", "[program:shop-prod-worker-green]\n");
    files.put("shop-prod-cron-green", "[program:shop-prod-cron-green]\n");
    String start =
        ProcessCommands.start(
                layout, sv, "green", "v2", Map.of(), files, List.of("shop-prod-worker-green"))
            .text();
    assertThat(start)
        .endsWith(
            "supervisorctl -c /etc/sv/supervisord.conf update shop-prod-worker-green"
                + " shop-prod-cron-green || exit $?\n"
                + "supervisorctl -c /etc/sv/supervisord.conf start shop-prod-worker-green");
    // a host with only after_switch processes starts nothing in prepare
    assertThat(
            ProcessCommands.start(
                    layout,
                    sv,
                    "green",
                    "v2",
                    Map.of(),
                    Map.of("shop-prod-cron-green", "[program:shop-prod-cron-green]\n"),
                    List.of())
                .text())
        .endsWith(
            "/srv/shop/.tarmac/slots || exit 1\n"
                + "supervisorctl -c /etc/sv/supervisord.conf update shop-prod-cron-green");
    assertThat(
            ProcessCommands.switchOnce(
                    sv, List.of("shop-prod-cron-blue"), List.of("shop-prod-cron-green"))
                .text())
        .isEqualTo(
            "out=$(supervisorctl -c /etc/sv/supervisord.conf stop shop-prod-cron-blue 2>&1);"
                + " printf '%s\\n' \"$out\"\n"
                + "if printf '%s\\n' \"$out\" | grep -v -e ': stopped$'"
                + " -e ': ERROR (not running)$' -e ': ERROR (no such process)$' | grep -q .;"
                + " then exit 1; fi\n"
                + "supervisorctl -c /etc/sv/supervisord.conf start shop-prod-cron-green");
    // the first release: nothing to stop
    assertThat(ProcessCommands.switchOnce(sv, List.of(), List.of("shop-prod-cron-blue")).text())
        .isEqualTo("supervisorctl -c /etc/sv/supervisord.conf start shop-prod-cron-blue");
  }

  @Test
  void stopWaitsTheDrainFirst() {
    assertThat(
            ProcessCommands.stop(sv, Duration.ofSeconds(30), List.of("a-p-web-blue", "x")).text())
        .isEqualTo("sleep 30 && supervisorctl -c /etc/sv/supervisord.conf stop a-p-web-blue x");
    assertThat(ProcessCommands.stop(sv, Duration.ofMillis(1500), List.of("a")).text())
        .isEqualTo("sleep 1.500 && supervisorctl -c /etc/sv/supervisord.conf stop a");
    assertThat(ProcessCommands.stop(sv, Duration.ZERO, List.of("a")).text())
        .isEqualTo("supervisorctl -c /etc/sv/supervisord.conf stop a");
    assertThat(ProcessCommands.readSlots(layout).text())
        .isEqualTo("if [ -f /srv/shop/.tarmac/slots ]; then cat /srv/shop/.tarmac/slots; fi");
  }

  @Test
  void theSlotsFileKeepsTheOtherSlotThroughSh(@TempDir Path dir) throws Exception {
    ReleaseLayout l = new ReleaseLayout(dir.toString());
    Files.createDirectories(dir.resolve(".tarmac"));
    Files.writeString(dir.resolve(".tarmac/slots"), "blue v1\nlive green\ngreen v0\nlive blue\n");
    // only the slots half: supervisorctl is not on this machine's path in unit tests
    String command = ProcessCommands.start(l, sv, "green", "v2", Map.of(), Map.of()).text();
    String slotsHalf = command.substring(command.indexOf('{'), command.indexOf("|| exit 1"));
    Process p = new ProcessBuilder("sh", "-c", slotsHalf).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    // the new slot's line replaces the old one; the last mark stays until the switch appends one
    assertThat(Files.readString(dir.resolve(".tarmac/slots")))
        .isEqualTo("blue v1\nlive blue\ngreen v2\n");
    Process read = new ProcessBuilder("sh", "-c", ProcessCommands.readSlots(l).text()).start();
    assertThat(ProcessCommands.parseSlots(new String(read.getInputStream().readAllBytes())))
        .containsExactly(
            Map.entry("blue", "v1"), Map.entry("live", "blue"), Map.entry("green", "v2"));
  }

  @Test
  void aWarmSlotIsALineOfTheSlotsFile() {
    assertThat(ProcessCommands.warm(layout, "blue", 1765000000L).text())
        .isEqualTo(
            "{ grep -v '^warm ' /srv/shop/.tarmac/slots 2>/dev/null; echo 'warm blue 1765000000'; }"
                + " > /srv/shop/.tarmac/slots.tmp && mv -f /srv/shop/.tarmac/slots.tmp"
                + " /srv/shop/.tarmac/slots");
    assertThat(ProcessCommands.warm(layout, null, 0).text())
        .isEqualTo(
            "{ grep -v '^warm ' /srv/shop/.tarmac/slots 2>/dev/null; }"
                + " > /srv/shop/.tarmac/slots.tmp && mv -f /srv/shop/.tarmac/slots.tmp"
                + " /srv/shop/.tarmac/slots");
    assertThat(ProcessCommands.warm(layout, "blue", 1L).label()).isEqualTo("keep warm");
    assertThat(ProcessCommands.warm(layout, null, 0).label()).isEqualTo("forget warm slot");
    assertThatThrownBy(() -> ProcessCommands.warm(layout, "red; rm -rf /", 1L))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ProcessCommands.parseWarm("blue v1\nwarm green 17\nwarm red 3\nwarm blue x\n"))
        .containsExactly(Map.entry("green", 17L));
    assertThat(ProcessCommands.parseWarm("")).isEmpty();
    // an old file (no warm line), an empty one: nothing warm, and no null anywhere
    assertThat(
            ProcessCommands.readSlots(layout)
                .parse(new CommandResult(0, "blue v1\ngreen v2\n", "", null, null)))
        .isEqualTo(new ProcessCommands.Slots(Map.of("blue", "v1", "green", "v2"), Map.of()));
    assertThat(ProcessCommands.readSlots(layout).parse(new CommandResult(0, "", "", null, null)))
        .isEqualTo(new ProcessCommands.Slots(Map.of(), Map.of()));
  }

  @Test
  void keepingWarmThroughShKeepsTheVersionsAndReplacesTheWarmLine(@TempDir Path dir)
      throws Exception {
    ReleaseLayout l = new ReleaseLayout(dir.toString());
    Files.createDirectories(dir.resolve(".tarmac"));
    Path slots = dir.resolve(".tarmac/slots");
    Files.writeString(slots, "blue v1\ngreen v2\nwarm green 5\n");
    sh(ProcessCommands.warm(l, "blue", 99).text());
    assertThat(Files.readString(slots)).isEqualTo("blue v1\ngreen v2\nwarm blue 99\n");
    Process read = new ProcessBuilder("sh", "-c", ProcessCommands.readSlots(l).text()).start();
    String out = new String(read.getInputStream().readAllBytes());
    assertThat(ProcessCommands.parseWarm(out)).containsExactly(Map.entry("blue", 99L));
    assertThat(ProcessCommands.parseSlots(out))
        .containsExactly(Map.entry("blue", "v1"), Map.entry("green", "v2"));
    sh(ProcessCommands.warm(l, null, 0).text());
    assertThat(Files.readString(slots)).isEqualTo("blue v1\ngreen v2\n");
    // a start takes its slot over: the warm line goes with it
    Files.writeString(slots, "blue v1\ngreen v2\nwarm blue 99\n");
    String command = ProcessCommands.start(l, sv, "blue", "v3", Map.of(), Map.of()).text();
    sh(command.substring(command.indexOf('{'), command.indexOf("|| exit 1")));
    assertThat(Files.readString(slots)).isEqualTo("green v2\nblue v3\n");
  }

  @Test
  void aWarmSlotStartedAfreshIsStoppedFirst() {
    HostCommand<CommandResult> start = HostCommand.of("start processes", "mkdir -p x");
    HostCommand<CommandResult> afresh =
        ProcessCommands.stoppingFirst(sv, List.of("a-p-web-blue", "a-p-job-blue"), start);
    assertThat(afresh.text())
        .isEqualTo(
            "supervisorctl -c /etc/sv/supervisord.conf stop a-p-web-blue a-p-job-blue"
                + " >/dev/null 2>&1\nmkdir -p x");
    assertThat(afresh.label()).isEqualTo("start processes");
  }

  static void sh(String command) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", command).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }
}
