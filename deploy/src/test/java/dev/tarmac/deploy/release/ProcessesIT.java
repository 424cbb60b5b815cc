package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.deploy.visitors.Visitors;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What the visitor sees ({@code release.processes}, docs/processes.md): three real sshd hosts on
 * 127.0.0.51-53, each with its own supervisord and nginx (started by the deploy user inside the
 * host, from docs/examples/processes/), an app whose server takes 3 s to start and answers its
 * version; visitors ({@link Visitors}: a new connection per request, every host) run through a
 * release and a rollback, and through a release whose server never gets healthy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessesIT {
  static final Path EXAMPLES = Path.of("..", "docs", "examples", "processes");

  /** Every host's nginx on its own address; sshd is on 19051 + i, the app from 19110. */
  static final int NGINX_PORT = 19080;

  /** The app: waits 3 s (a slow start), then answers {@code visit <version>} on $PORT. */
  static final String SERVER =
      String.join(
          "\n",
          "import os, sys, time",
          "from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler",
          "never = '--never' in sys.argv",
          "time.sleep(3)",
          "version = os.environ['TARMAC_VERSION']",
          "class H(BaseHTTPRequestHandler):",
          "    protocol_version = 'HTTP/1.0'",
          "    def do_GET(self):",
          "        body = ('starting\\n' if never else 'visit ' + version + '\\n').encode()",
          "        self.send_response(503 if never else 200)",
          "        self.send_header('Content-Length', str(len(body)))",
          "        self.end_headers()",
          "        self.wfile.write(body)",
          "    def log_message(self, *args):",
          "        pass",
          "ThreadingHTTPServer.daemon_threads = True",
          "ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()",
          "");

  /** {@code -Dvisit.hosts=16} for the 16-host figures of docs/benchmarks.md. */
  static final int HOSTS = Integer.getInteger("visit.hosts", 3);

  /**
   * How each host reloads its nginx at the switch: {@code nginx} ({@code nginx -s reload}, as
   * documented), or {@code signal} ({@code kill -HUP} of the master from the shell's builtins: no
   * program started), {@code -Dvisit.reload=signal}.
   */
  static final String RELOAD = System.getProperty("visit.reload", "nginx");

  /** {@code -Dvisit.login=slow}: hosts whose login shell sleeps 0.2-0.6 s (SshHosts.Login). */
  static final SshHosts.Login LOGIN =
      "slow".equals(System.getProperty("visit.login")) ? SshHosts.Login.SLOW : SshHosts.Login.FAST;

  /**
   * {@code -Dvisit.parallel=16}: the environment's {@code parallel} (hosts prepared at once; 10
   * without it), for the 16-host figures of a rollback within keep_warm in docs/benchmarks.md.
   */
  static final Integer PARALLEL = Integer.getInteger("visit.parallel");

  static SshHosts ssh;
  static Path work;
  static DeployFixture fx;

  @BeforeAll
  static void startHosts() throws Exception {
    work = DeployFixture.workDir("processes-");
    ssh = new SshHosts(work.resolve("hosts"), HOSTS, 51, LOGIN, 19051);
    String d = ssh.deployTo();
    for (int i = 0; i < HOSTS; i++) {
      SshHosts.Host h = ssh.hosts().get(i);
      startSupervisord(ssh, i, "visit");
      Path nginx = Files.createDirectories(h.root().resolve("nginx/tmp"));
      String site =
          Files.readString(EXAMPLES.resolve("nginx-site.conf"))
              .replace("/etc/nginx/tarmac/shop.conf", d + "/nginx/upstream.conf")
              .replace("listen 80;", "listen " + h.address() + ":" + NGINX_PORT + ";")
              .replace("shop_web", "visit_web");
      StringBuilder temps = new StringBuilder();
      for (String kind : new String[] {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
        temps.append(kind).append("_temp_path ").append(d).append("/nginx/tmp/").append(kind);
        temps.append(";\n");
      }
      Files.writeString(
          nginx.resolveSibling("nginx.conf"),
          "worker_processes 1;\npid "
              + d
              + "/nginx/nginx.pid;\nerror_log "
              + d
              + "/nginx/error.log warn;\nevents { worker_connections 1024; }\nhttp {\n"
              + "access_log off;\n"
              + temps
              + site
              + "}\n");
      // before the first release: an upstream that goes nowhere, so that nginx starts
      Files.writeString(
          nginx.resolveSibling("upstream.conf"),
          "upstream visit_web { server 127.0.0.1:19099; }\n");
      SshHosts.run("chown", "-R", ssh.user(), h.root().resolve("nginx").toString());
      ssh.ssh(h.name(), nginx(d, "") + " </dev/null >/dev/null 2>&1");
    }
    fx =
        new DeployFixture(
            work.resolve("fx"),
            Transports.standard(ssh.settings()),
            Transports.standard(ssh.settings()));
  }

  /**
   * Starts host {@code i}'s supervisord as the deploy user inside the host, from
   * docs/examples/processes/supervisord.conf, its files under {@code <deploy_to>/sv} (the socket
   * under /tmp, named by {@code tag}).
   */
  static void startSupervisord(SshHosts ssh, int i, String tag) throws Exception {
    String d = ssh.deployTo();
    SshHosts.Host h = ssh.hosts().get(i);
    Path sv = Files.createDirectories(h.root().resolve("sv/conf.d"));
    Files.writeString(
        sv.resolveSibling("supervisord.conf"),
        Files.readString(EXAMPLES.resolve("supervisord.conf"))
            // a UNIX socket's path is short: one per host under /tmp
            .replace(
                "/run/tarmac-supervisor/supervisor.sock",
                "/tmp/tarmac-" + tag + "-" + ProcessHandle.current().pid() + "-" + i + ".sock")
            .replace("/run/tarmac-supervisor", d + "/sv")
            .replace("/var/log/tarmac-supervisor", d + "/sv")
            .replace("/etc/tarmac-supervisor", d + "/sv"));
    SshHosts.run("chown", "-R", ssh.user(), h.root().resolve("sv").toString());
    ssh.ssh(h.name(), "supervisord -c " + d + "/sv/supervisord.conf </dev/null >/dev/null 2>&1");
  }

  static String nginx(String d, String args) {
    return "/usr/sbin/nginx -p "
        + d
        + "/nginx -e "
        + d
        + "/nginx/error.log -c "
        + d
        + "/nginx/nginx.conf"
        + args;
  }

  @AfterAll
  static void stopHosts() throws Exception {
    if (fx != null) {
      // the timeline of every run, for a look after the test
      StringBuilder events = new StringBuilder();
      fx.events.forEach(
          e ->
              events
                  .append(e.at())
                  .append(' ')
                  .append(e.host())
                  .append(' ')
                  .append(e.task())
                  .append(' ')
                  .append(e.kind())
                  .append(e.message() == null ? "" : " " + e.message().replace('\n', ' '))
                  .append('\n'));
      Files.writeString(work.resolve("events.txt"), events);
      fx.close();
    }
    if (ssh == null) {
      return;
    }
    for (SshHosts.Host h : ssh.hosts()) {
      // by the pids in their own pid files, never by name
      stop(h.root().resolve("sv/supervisord.pid"), "TERM");
      stop(h.root().resolve("nginx/nginx.pid"), "QUIT");
    }
    ssh.close();
  }

  static void stop(Path pidFile, String signal) throws Exception {
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor();
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (p.isPresent() && p.get().isAlive() && System.nanoTime() < end) {
      Thread.sleep(50);
    }
  }

  static String config(String command, String healthTimeout) {
    return config(command, healthTimeout, "");
  }

  /** {@code more}: further lines of the release block ({@code " keep_warm: 10m\n"}). */
  static String config(String command, String healthTimeout, String more) {
    StringBuilder ports = new StringBuilder();
    String yml =
        ssh.tarmacYml(
            "visit",
            "release:\n"
                + "  processes:\n"
                + "    web:\n"
                + "      command: \""
                + command
                + "\"\n"
                + "      port: true\n"
                + "      health: { path: /, contains: \"visit {version}\", timeout: "
                + healthTimeout
                + " }\n"
                + "      drain: 1s\n"
                + "  proxy:\n"
                + "    nginx: "
                + ssh.deployTo()
                + "/nginx/upstream.conf\n"
                + "    reload: \""
                + (RELOAD.equals("signal")
                    ? "read -r p < " + ssh.deployTo() + "/nginx/nginx.pid && kill -HUP $p"
                    : nginx(ssh.deployTo(), " -s reload"))
                + "\"\n"
                + more);
    // every simulated host shares the machine's 127.0.0.1: each gets its own ports
    Matcher m = Pattern.compile("- \\{ name: host(\\d+), ").matcher(yml);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      int i = Integer.parseInt(m.group(1));
      m.appendReplacement(out, "- { name: host" + i + ", ports: " + (19100 + 10 * i) + ", ");
    }
    m.appendTail(out);
    ports.append(out);
    return ports
        .toString()
        .replace(
            "    deploy_to: " + ssh.deployTo() + "\n",
            "    deploy_to: "
                + ssh.deployTo()
                + "/visit\n"
                + (PARALLEL == null ? "" : "    parallel: " + PARALLEL + "\n")
                + "    supervisor: { conf: "
                + ssh.deployTo()
                + "/sv/supervisord.conf, include: "
                + ssh.deployTo()
                + "/sv/conf.d }\n");
  }

  static List<InetSocketAddress> sites() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (SshHosts.Host h : ssh.hosts()) {
      out.add(new InetSocketAddress(h.address(), NGINX_PORT));
    }
    return out;
  }

  /** {@code program → pid} of what is RUNNING under a host's supervisord. */
  static Map<String, String> running(String host) throws Exception {
    return running(ssh, host);
  }

  /** The same on {@code ssh}'s hosts. */
  static Map<String, String> running(SshHosts ssh, String host) throws Exception {
    String out;
    try {
      out = ssh.ssh(host, "supervisorctl -c " + ssh.deployTo() + "/sv/supervisord.conf status");
    } catch (IllegalStateException e) {
      out = e.getMessage(); // status exits 3 when a program is not running
    }
    Map<String, String> pids = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("(?m)^(\\S+)\\s+RUNNING\\s+pid (\\d+)").matcher(out);
    while (m.find()) {
      pids.put(m.group(1), m.group(2));
    }
    return pids;
  }

  @Test
  @Order(1)
  void aReleaseAndARollbackFailNoRequest() throws Exception {
    Map<String, String> app = Map.of("server.py", SERVER);
    fx.publish("visit", "v1", config("python3 server.py", "30s"), app);
    fx.publish("visit", "v2", config("python3 server.py", "30s"), app);
    ReleaseRecord r1 =
        fx.deployer.release(
            AppName.of("visit"), EnvName.of("prod"), Version.of("v1"), fx.options());
    assertThat(r1.status()).isEqualTo(ReleaseStatus.LIVE);
    for (SshHosts.Host h : ssh.hosts()) {
      assertThat(running(h.name())).containsOnlyKeys("visit-prod-web-blue");
    }

    Duration releaseWindow;
    Duration rollbackWindow;
    List<Duration> releaseOverlap;
    List<Duration> rollbackOverlap;
    long releaseAsked;
    long rollbackAsked;
    ReleaseRecord r2;
    ReleaseRecord back;
    Map<String, String> afterRelease;
    try (Visitors visitors = new Visitors(sites(), Duration.ofSeconds(HOSTS <= 3 ? 40 : 150))) {
      Thread.sleep(500);
      releaseAsked = System.nanoTime();
      r2 =
          fx.deployer.release(
              AppName.of("visit"), EnvName.of("prod"), Version.of("v2"), fx.options());
      long released = System.nanoTime();
      afterRelease = running("host1");
      Thread.sleep(500);
      rollbackAsked = System.nanoTime();
      back =
          fx.deployer.rollback(
              AppName.of("visit"),
              EnvName.of("prod"),
              Optional.empty(),
              false,
              false,
              fx.options());
      long rolledBack = System.nanoTime();
      Thread.sleep(500);
      visitors.close();
      releaseWindow = visitors.window("visit v2", releaseAsked);
      rollbackWindow = visitors.window("visit v1", rollbackAsked);
      releaseOverlap = visitors.overlap("visit v1", "visit v2", releaseAsked, rollbackAsked);
      rollbackOverlap = visitors.overlap("visit v2", "visit v1", rollbackAsked, Long.MAX_VALUE);
      Duration releaseAfterGo = visitors.sinceSwitch("visit v2", releaseAsked, go(r2));
      Duration rollbackAfterGo = visitors.sinceSwitch("visit v1", rollbackAsked, go(back));
      List<Visitors.Answer> answers = visitors.answers();
      System.out.printf(
          "visitors on %d hosts (%s login, reload: %s): %d requests, %d failed; release (%d ms)"
              + " window %s (switch %s ms, last host new %s after the go), overlap %s; rollback (%d"
              + " ms) window %s (switch %s ms, last host new %s after the go), overlap %s; load"
              + " average %s%n",
          HOSTS,
          LOGIN,
          RELOAD,
          answers.size(),
          visitors.failures().size(),
          (released - releaseAsked) / 1_000_000,
          releaseWindow,
          r2.activationWindowMs(),
          releaseAfterGo,
          releaseOverlap,
          (rolledBack - rollbackAsked) / 1_000_000,
          rollbackWindow,
          back.activationWindowMs(),
          rollbackAfterGo,
          rollbackOverlap,
          Files.readString(Path.of("/proc/loadavg")).strip());
      assertThat(visitors.failures()).as("failed requests").isEmpty();
      assertThat(answers).allMatch(a -> a.body().equals("visit v1") || a.body().equals("visit v2"));
      assertThat(answers.stream().filter(a -> a.at() < releaseAsked))
          .isNotEmpty()
          .allMatch(a -> a.body().equals("visit v1"));
      assertThat(answers.size()).isGreaterThan(300);
    }
    assertThat(r2.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(back.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(releaseWindow).as("first to last host answering v2").isNotNull();
    assertThat(rollbackWindow).as("first to last host answering v1 again").isNotNull();
    // the issue's target (50 ms) is a benchmark's (docs/benchmarks.md), not a test's: measured
    // here it is 16-228 ms by how the hosts' shells get a CPU. What the suite guards is that
    // nothing starts after the switch: processes restarted by an activate hook showed the new
    // version 11-18 s after it, hosts disagreeing for seconds
    double load = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    Duration bound = Duration.ofSeconds(1);
    assertThat(releaseWindow).as("load average %s", load).isLessThanOrEqualTo(bound);
    assertThat(rollbackWindow).as("load average %s", load).isLessThanOrEqualTo(bound);
    // after the release: only the new slot runs (the old one drained and stopped); after the
    // rollback, the old slot again
    assertThat(afterRelease).containsOnlyKeys("visit-prod-web-green");
    for (SshHosts.Host h : ssh.hosts()) {
      assertThat(running(h.name())).containsOnlyKeys("visit-prod-web-blue");
      assertThat(Files.readString(h.root().resolve("nginx/upstream.conf")))
          .contains("upstream visit_web { server 127.0.0.1:" + (19100 + 10 * hostIndex(h)) + "; }");
    }
  }

  /** When the switch's {@code go} was first sent: the earliest start of a host's switch task. */
  static java.time.Instant go(ReleaseRecord r) {
    return r.hosts().stream()
        .flatMap(h -> h.tasks().stream())
        .filter(t -> t.name().equals("switch"))
        .map(ReleaseRecord.TaskRecord::startedAt)
        .min(java.time.Instant::compareTo)
        .orElse(null);
  }

  static int hostIndex(SshHosts.Host h) {
    return Integer.parseInt(h.name().substring("host".length()));
  }

  @Test
  @Order(2)
  void aServerThatNeverGetsHealthyChangesNothing() throws Exception {
    Map<String, String> app = Map.of("server.py", SERVER);
    String live = fx.deployer.status(AppName.of("visit"), EnvName.of("prod")).recorded();
    if (live == null) {
      fx.publish("visit", "v1", config("python3 server.py", "30s"), app);
      fx.deployer.release(AppName.of("visit"), EnvName.of("prod"), Version.of("v1"), fx.options());
      live = "v1";
    }
    fx.publish("visit", "v3", config("python3 server.py --never", "4s"), app);
    Map<String, Map<String, String>> before = new java.util.TreeMap<>();
    for (SshHosts.Host h : ssh.hosts()) {
      before.put(h.name(), running(h.name()));
    }
    try (Visitors visitors = new Visitors(sites(), Duration.ofSeconds(HOSTS <= 3 ? 30 : 120))) {
      String l = live;
      assertThatThrownBy(
              () ->
                  fx.deployer.release(
                      AppName.of("visit"), EnvName.of("prod"), Version.of("v3"), fx.options()))
          .isInstanceOf(ReleaseFailedException.class)
          .hasMessageContaining(
              "prepare failed on " + HOSTS + " of " + HOSTS + " hosts; nothing was activated")
          .hasMessageContaining("release.processes.web")
          .hasMessageContaining("never answered as v3");
      Thread.sleep(300);
      visitors.close();
      assertThat(visitors.failures()).as("failed requests").isEmpty();
      assertThat(visitors.answers()).isNotEmpty().allMatch(a -> a.body().equals("visit " + l));
    }
    for (SshHosts.Host h : ssh.hosts()) {
      // the live processes untouched (same pids), the new ones stopped
      assertThat(running(h.name())).isEqualTo(before.get(h.name()));
    }
  }

  /** The names of the tasks a run ran on a host. */
  static List<String> tasks(ReleaseRecord r, String host) {
    return r.hosts().stream()
        .filter(h -> h.name().equals(host))
        .flatMap(h -> h.tasks().stream())
        .map(ReleaseRecord.TaskRecord::name)
        .toList();
  }

  @Test
  @Order(6)
  void aRollbackWithinKeepWarmOnlySwitches() throws Exception {
    Map<String, String> app = Map.of("server.py", SERVER);
    String warm = "  keep_warm: 10m\n";
    fx.publish("visit", "v4", config("python3 server.py", "30s", warm), app);
    fx.publish("visit", "v5", config("python3 server.py", "30s", warm), app);
    assertThat(
            fx.deployer
                .release(AppName.of("visit"), EnvName.of("prod"), Version.of("v4"), fx.options())
                .status())
        .isEqualTo(ReleaseStatus.LIVE);
    ReleaseRecord r5 =
        fx.deployer.release(
            AppName.of("visit"), EnvName.of("prod"), Version.of("v5"), fx.options());
    assertThat(r5.status()).isEqualTo(ReleaseStatus.LIVE);
    // v4's slot kept running after the release of v5, recorded as warm
    Map<String, Map<String, String>> before = new java.util.TreeMap<>();
    Map<String, String> v4Slot = new java.util.TreeMap<>();
    for (SshHosts.Host h : ssh.hosts()) {
      Map<String, String> slots = slots(h);
      String slot = slots.get("v4");
      assertThat(slot).as("%s: v4's slot", h.name()).isNotNull();
      v4Slot.put(h.name(), slot);
      Map<String, String> run = running(h.name());
      assertThat(run).containsKeys("visit-prod-web-blue", "visit-prod-web-green");
      before.put(h.name(), run);
      assertThat(Files.readString(h.root().resolve("visit/.tarmac/slots")))
          .contains("warm " + slot + " ");
    }

    ReleaseRecord back;
    long asked;
    long done;
    Duration window;
    try (Visitors visitors = new Visitors(sites(), Duration.ofSeconds(HOSTS <= 3 ? 30 : 120))) {
      Thread.sleep(500);
      asked = System.nanoTime();
      back =
          fx.deployer.rollback(
              AppName.of("visit"),
              EnvName.of("prod"),
              Optional.empty(),
              false,
              false,
              fx.options());
      done = System.nanoTime();
      Thread.sleep(500);
      visitors.close();
      window = visitors.window("visit v4", asked);
      System.out.printf(
          "rollback within keep_warm on %d hosts (%s login, reload: %s): %d ms end to end"
              + " (switch %s ms), window %s, %d requests, %d failed; load average %s%n",
          HOSTS,
          LOGIN,
          RELOAD,
          (done - asked) / 1_000_000,
          back.activationWindowMs(),
          window,
          visitors.answers().size(),
          visitors.failures().size(),
          Files.readString(Path.of("/proc/loadavg")).strip());
      assertThat(visitors.failures()).as("failed requests").isEmpty();
      assertThat(visitors.answers())
          .allMatch(a -> a.body().equals("visit v4") || a.body().equals("visit v5"));
    }
    assertThat(back.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(back.version()).isEqualTo("v4");
    assertThat(window).as("first to last host answering v4").isNotNull();
    for (SshHosts.Host h : ssh.hosts()) {
      // nothing started: the same pids in both slots (v5's kept warm in turn), v4 asked once
      assertThat(running(h.name())).as(h.name()).isEqualTo(before.get(h.name()));
      assertThat(tasks(back, h.name()))
          .as(h.name())
          .contains("check warm web")
          .doesNotContain("check web", "stop processes", "stop old processes");
      String slot = v4Slot.get(h.name());
      assertThat(Files.readString(h.root().resolve("nginx/upstream.conf")))
          .contains(
              "upstream visit_web { server 127.0.0.1:"
                  + (19100 + 10 * hostIndex(h) + (slot.equals("green") ? 1 : 0))
                  + "; }");
      assertThat(Files.readString(h.root().resolve("visit/.tarmac/slots")))
          .contains("warm " + (slot.equals("green") ? "blue" : "green") + " ")
          .doesNotContain("warm " + slot + " ");
    }
  }

  /**
   * Past keep_warm (the run's clock 11 minutes ahead), a rollback finds v4's slot still running but
   * out of its time: it stops and starts it afresh (new pids), checked as without keep_warm.
   */
  @Test
  @Order(8)
  void aRollbackPastKeepWarmStartsTheSlotAfresh() throws Exception {
    // after aRollbackWithinKeepWarmOnlySwitches and the failed v6: v4 live; v5 released again
    assertThat(fx.deployer.status(AppName.of("visit"), EnvName.of("prod")).recorded())
        .isEqualTo("v4");
    assertThat(
            fx.deployer
                .release(AppName.of("visit"), EnvName.of("prod"), Version.of("v5"), fx.options())
                .status())
        .isEqualTo(ReleaseStatus.LIVE);
    Map<String, Map<String, String>> before = new java.util.TreeMap<>();
    for (SshHosts.Host h : ssh.hosts()) {
      before.put(h.name(), running(h.name()));
      assertThat(before.get(h.name())).as(h.name()).hasSize(2); // v4 kept warm
    }
    ReleaseOptions o = fx.options();
    ReleaseOptions later =
        new ReleaseOptions(
            o.who(),
            o.forceUnlock(),
            o.downloadRateLimit(),
            o.lease(),
            o.urlTtl(),
            o.commandTimeout(),
            java.time.Clock.offset(o.clock(), Duration.ofMinutes(11)),
            o.listener(),
            o.switchAck(),
            o.cancelled());
    ReleaseRecord back;
    try (Visitors visitors = new Visitors(sites(), Duration.ofSeconds(HOSTS <= 3 ? 40 : 150))) {
      back =
          fx.deployer.rollback(
              AppName.of("visit"), EnvName.of("prod"), Optional.empty(), false, false, later);
      Thread.sleep(300);
      visitors.close();
      assertThat(visitors.failures()).as("failed requests").isEmpty();
    }
    assertThat(back.status()).isEqualTo(ReleaseStatus.LIVE);
    assertThat(back.version()).isEqualTo("v4");
    for (SshHosts.Host h : ssh.hosts()) {
      String program = "visit-prod-web-" + slots(h).get("v4");
      Map<String, String> now = running(h.name());
      assertThat(now.get(program))
          .as("%s: %s started afresh", h.name(), program)
          .isNotNull()
          .isNotEqualTo(before.get(h.name()).get(program));
      assertThat(tasks(back, h.name())).as(h.name()).contains("check web");
      assertThat(tasks(back, h.name())).as(h.name()).doesNotContain("check warm web");
    }
  }

  /** {@code version → slot}, from a host's {@code .tarmac/slots}. */
  static Map<String, String> slots(SshHosts.Host h) throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String line : Files.readAllLines(h.root().resolve("visit/.tarmac/slots"))) {
      String[] parts = line.split(" ");
      if (parts.length == 2) {
        out.put(parts[1], parts[0]);
      }
    }
    return out;
  }

  @Test
  @Order(7)
  void aFailedActivationStopsTheNewProcesses() throws Exception {
    Map<String, String> app = Map.of("server.py", SERVER);
    // release.health asks a server of this test, which fails host1 only
    com.sun.net.httpserver.HttpServer checker =
        com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 19098), 16);
    checker.createContext(
        "/",
        x -> {
          boolean ok = !x.getRequestURI().getPath().equals("/host1");
          byte[] body = (ok ? "fine" : "broken").getBytes();
          x.sendResponseHeaders(ok ? 200 : 503, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    checker.start();
    try {
      String live = null;
      try {
        live = fx.deployer.status(AppName.of("visit"), EnvName.of("prod")).recorded();
      } catch (dev.tarmac.deploy.DeployException e) {
        // run alone: nothing is live yet
      }
      if (live == null) {
        fx.publish("visit", "v1", config("python3 server.py", "30s"), app);
        fx.deployer.release(
            AppName.of("visit"), EnvName.of("prod"), Version.of("v1"), fx.options());
        live = "v1";
      }
      fx.publish(
          "visit",
          "v6",
          config(
              "python3 server.py",
              "30s",
              "  health: { url: \"http://127.0.0.1:19098/{host}\", timeout: 2s }\n"),
          app);
      Map<String, String> liveProgram = new java.util.TreeMap<>();
      for (SshHosts.Host h : ssh.hosts()) {
        String slot = slots(h).get(live);
        String program = "visit-prod-web-" + slot;
        String pid = running(h.name()).get(program);
        assertThat(pid).as("%s: %s runs", h.name(), program).isNotNull();
        liveProgram.put(h.name(), program + " " + pid);
      }
      try (Visitors visitors = new Visitors(sites(), Duration.ofSeconds(HOSTS <= 3 ? 40 : 150))) {
        String l = live;
        assertThatThrownBy(
                () ->
                    fx.deployer.release(
                        AppName.of("visit"), EnvName.of("prod"), Version.of("v6"), fx.options()))
            .isInstanceOf(ReleaseFailedException.class)
            .hasMessageContaining("activation failed; every host was switched back");
        Thread.sleep(300);
        visitors.close();
        assertThat(visitors.failures()).as("failed requests").isEmpty();
        assertThat(visitors.answers()).isNotEmpty();
        assertThat(visitors.answers().get(visitors.answers().size() - 1).body())
            .isEqualTo("visit " + l);
      }
      for (SshHosts.Host h : ssh.hosts()) {
        // the live release's process as it was; v6's stopped: nothing serves it
        String[] program = liveProgram.get(h.name()).split(" ");
        assertThat(running(h.name()))
            .as(h.name())
            .containsExactly(Map.entry(program[0], program[1]));
      }
    } finally {
      checker.stop(0);
    }
  }

  /**
   * Releasing the live version again (a configuration change is released so) starts it in the other
   * slot each time, and visitors see no failed request: after the first time both slots hold that
   * version, and only the slot marked live at the switch says which one serves — read by the
   * version alone, the second time started nothing and left the old processes serving.
   */
  @Test
  @Order(5)
  void releasingTheLiveVersionAgainRestartsItsProcessesEveryTime() throws Exception {
    Map<String, String> app = Map.of("server.py", SERVER);
    String live;
    try {
      live = fx.deployer.status(AppName.of("visit"), EnvName.of("prod")).recorded();
    } catch (dev.tarmac.deploy.DeployException e) {
      live = null; // run alone: nothing released yet
    }
    if (live == null) {
      fx.publish("visit", "v1", config("python3 server.py", "30s"), app);
      fx.deployer.release(AppName.of("visit"), EnvName.of("prod"), Version.of("v1"), fx.options());
      live = "v1";
    }
    String l = live;
    try (Visitors visitors = new Visitors(sites(), Duration.ofSeconds(HOSTS <= 3 ? 60 : 180))) {
      for (int round = 1; round <= 2; round++) {
        Map<String, Map<String, String>> before = new java.util.TreeMap<>();
        for (SshHosts.Host h : ssh.hosts()) {
          before.put(h.name(), running(h.name()));
        }
        ReleaseRecord again =
            fx.deployer.release(
                AppName.of("visit"), EnvName.of("prod"), Version.of(l), fx.options());
        assertThat(again.status()).isEqualTo(ReleaseStatus.LIVE);
        for (SshHosts.Host h : ssh.hosts()) {
          Map<String, String> now = running(h.name());
          assertThat(now).as("round %d on %s", round, h.name()).hasSize(1);
          String program = now.keySet().iterator().next();
          assertThat(before.get(h.name()))
              .as("round %d on %s: the other slot serves now", round, h.name())
              .doesNotContainKey(program);
          String slot = program.substring(program.lastIndexOf('-') + 1);
          int port = 19100 + 10 * hostIndex(h) + (slot.equals("green") ? 1 : 0);
          assertThat(Files.readString(h.root().resolve("nginx/upstream.conf")))
              .contains("server 127.0.0.1:" + port + ";");
        }
      }
      Thread.sleep(300);
      visitors.close();
      assertThat(visitors.failures()).as("failed requests").isEmpty();
      assertThat(visitors.answers()).isNotEmpty().allMatch(a -> a.body().equals("visit " + l));
    }
  }

  /**
   * A configuration change released like code, with the app's processes (issue 24): the live
   * version released again with a new value starts its processes in the other slot with that value
   * and switches every host to them — no failed request, and after the release every host answers
   * with the new value (the processes read the file this release rendered, not the live one).
   */
  @Test
  @Order(9)
  void aConfigurationChangeReleasedRestartsTheProcessesWithTheNewValue() throws Exception {
    String greeter =
        SERVER.replace(
            "'visit ' + version + '\\n'",
            "'visit ' + version + ' ' + os.environ.get('GREETING', '-') + '\\n'");
    assertThat(greeter).contains("GREETING");
    try (DeployFixture cfx =
        new DeployFixture(
            work.resolve("fx-config"),
            Transports.standard(ssh.settings()),
            dev.tarmac.deploy.store.SecretBox.open(work.resolve("data-config")))) {
      cfx.publish(
          "visit",
          "v8",
          config("python3 greeter.py", "30s") + "config:\n  file: .env\n  required: [GREETING]\n",
          Map.of("greeter.py", greeter));
      var values = cfx.deployer.configValues();
      values.set(
          "visit",
          null,
          "ann",
          new dev.tarmac.deploy.store.ConfigValues.Change().plain("GREETING", "hello-1"));
      assertThat(
              cfx.deployer
                  .release(AppName.of("visit"), EnvName.of("prod"), Version.of("v8"), cfx.options())
                  .status())
          .isEqualTo(ReleaseStatus.LIVE);
      try (Visitors visitors = new Visitors(sites(), Duration.ofSeconds(HOSTS <= 3 ? 40 : 150))) {
        Thread.sleep(500);
        values.set(
            "visit",
            null,
            "ann",
            new dev.tarmac.deploy.store.ConfigValues.Change().plain("GREETING", "hello-2"));
        long asked = System.nanoTime();
        ReleaseRecord again =
            cfx.deployer.release(
                AppName.of("visit"), EnvName.of("prod"), Version.of("v8"), cfx.options());
        long released = System.nanoTime();
        Thread.sleep(500);
        visitors.close();
        assertThat(again.status()).isEqualTo(ReleaseStatus.LIVE);
        assertThat(visitors.failures()).as("failed requests").isEmpty();
        List<Visitors.Answer> answers = visitors.answers();
        assertThat(answers.stream().filter(a -> a.at() < asked))
            .isNotEmpty()
            .allMatch(a -> a.body().equals("visit v8 hello-1"));
        assertThat(answers.stream().filter(a -> a.at() > released))
            .isNotEmpty()
            .allMatch(a -> a.body().equals("visit v8 hello-2"));
        for (int h = 0; h < HOSTS; h++) {
          int host = h;
          assertThat(answers)
              .as("host %d answers with the new value", h + 1)
              .anyMatch(a -> a.host() == host && a.body().equals("visit v8 hello-2"));
        }
      }
    }
  }
}
