package dev.tarmac.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The demo's hosts as a server runs them with {@code release.processes} (docs/processes.md, "What
 * the demo shows"): in each host's {@code deploy_to}, a supervisord of the demo's own user ({@code
 * sv/}, from docs/examples/processes/supervisord.conf) and an nginx ({@code nginx/}, its own
 * configuration around docs/examples/processes/nginx-site.conf, on a loopback port), started before
 * the first release and stopped — with every server process they run — by {@link #close}.
 */
final class SupervisedHosts implements ServedHosts {
  /** What the demo needs on the PATH for this, and the Debian packages that give it. */
  static final List<String> PROGRAMS = List.of("nginx", "supervisord", "supervisorctl");

  static final String PACKAGES = "apt-get install nginx-light supervisor";

  private final Map<String, Path> deployTo;
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private final List<ProcessHandle> started =
      new java.util.concurrent.CopyOnWriteArrayList<>(); // the shutdown hook reads it
  private int stoppedServers;
  private int daemons;

  /** The programs of {@link #PROGRAMS} that no directory of {@code path} (a PATH) holds. */
  static List<String> missing(String path) {
    List<String> out = new ArrayList<>();
    for (String program : PROGRAMS) {
      boolean found = false;
      for (String dir : (path == null ? "" : path).split(":")) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
          found = true;
          break;
        }
      }
      if (!found) {
        out.add(program);
      }
    }
    return out;
  }

  /**
   * Starts a supervisord and an nginx per host ({@code name → deploy_to}); each nginx on {@code
   * nginxPorts}' port. {@code examples} is docs/examples/processes.
   */
  SupervisedHosts(Map<String, Path> deployTo, Map<String, Integer> nginxPorts, Path examples)
      throws IOException {
    this.deployTo = new LinkedHashMap<>(deployTo);
    String supervisord = Files.readString(examples.resolve("supervisord.conf"));
    String site = Files.readString(examples.resolve("nginx-site.conf"));
    // Ctrl-C (demo --keep) ends this JVM without the caller's finally: the daemons stop anyway
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "demo-hosts-stop"));
    try {
      for (Map.Entry<String, Path> host : deployTo.entrySet()) {
        int port = nginxPorts.get(host.getKey());
        ports.put(host.getKey(), port);
        start(host.getKey(), host.getValue(), supervisord, site, port);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void start(String host, Path d, String supervisord, String site, int port)
      throws IOException {
    Path sv = Files.createDirectories(d.resolve("sv/conf.d")).getParent();
    Path socket = sv.resolve("supervisor.sock");
    if (socket.toString().length() > 100) {
      // a UNIX socket's path has at most 107 bytes
      socket =
          Path.of("/tmp", "tarmac-demo-" + ProcessHandle.current().pid() + "-" + host + ".sock");
    }
    Path nginx = Files.createDirectories(d.resolve("nginx/tmp")).getParent();
    StringBuilder conf =
        new StringBuilder("worker_processes 1;\n")
            .append("pid ")
            .append(nginx.resolve("nginx.pid"))
            .append(";\nerror_log ")
            .append(nginx.resolve("error.log"))
            .append(" warn;\nevents { worker_connections 256; }\nhttp {\naccess_log off;\n");
    for (String kind : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      conf.append(kind).append("_temp_path ").append(nginx.resolve("tmp/" + kind)).append(";\n");
    }
    conf.append(
            site.replace("/etc/nginx/tarmac/shop.conf", nginx.resolve("upstream.conf").toString())
                .replace("listen 80;", "listen 127.0.0.1:" + port + ";")
                .replace("shop_web", "demo_web"))
        .append("}\n");
    Files.writeString(nginx.resolve("nginx.conf"), conf);
    // before the first release: an upstream that goes nowhere, so that nginx starts (the page's
    // placeholder, docs/processes.md, "nginx on a host"); the first release replaces it
    Files.writeString(
        nginx.resolve("upstream.conf"), "upstream demo_web { server 127.0.0.1:9; }\n");

    // nginx runs under the host's supervisord, so that supervisord sends its reload's HUP (the
    // reload script below): a local host's shell run as root is in a PID namespace of its own,
    // where the pid in nginx.pid names nothing (kill -HUP and nginx -s reload both fail there)
    Files.writeString(
        sv.resolve("supervisord.conf"),
        supervisord
                .replace("/run/tarmac-supervisor/supervisor.sock", socket.toString())
                .replace("/run/tarmac-supervisor", sv.toString())
                .replace("/var/log/tarmac-supervisor", sv.toString())
                .replace("/etc/tarmac-supervisor", sv.toString())
            + "\n; the host's nginx (tarmac demo)\n[program:nginx]\ncommand=nginx -p "
            + nginx
            + " -e "
            + nginx.resolve("error.log")
            + " -c "
            + nginx.resolve("nginx.conf")
            + " -g \"daemon off;\"\nautostart=true\nautorestart=true\nstopsignal=QUIT\n"
            + "redirect_stderr=true\n");
    // release.proxy.reload (run in deploy_to): supervisord sends nginx its HUP, asked through its
    // socket by curl (supervisor.signalProcess, XML-RPC); supervisorctl would do the same, but is
    // a Python program that takes 0.3 s or more to start, at the switch, on every host at once
    Files.writeString(
        nginx.resolve("reload"),
        "# reloads this host's nginx (tarmac demo): release.proxy.reload is `sh nginx/reload`\n"
            + "out=$(curl -sS --unix-socket "
            + socket
            + " -H 'Content-Type: text/xml' --data-binary '<methodCall><methodName>"
            + "supervisor.signalProcess</methodName><params><param><value><string>nginx</string>"
            + "</value></param><param><value><string>HUP</string></value></param></params>"
            + "</methodCall>' http://localhost/RPC2) || exit 1\n"
            + "case $out in *'<boolean>1</boolean>'*) ;; *) echo \"nginx not reloaded: $out\" >&2;"
            + " exit 1 ;; esac\n");
    daemon(
        List.of("supervisord", "-c", sv.resolve("supervisord.conf").toString()),
        sv.resolve("start.log"),
        sv.resolve("supervisord.pid"));
    waitFor(socket, "supervisord of " + host, sv.resolve("supervisord.log"));
    waitForPort(port, "nginx of " + host, nginx.resolve("error.log"));
  }

  /** Runs a program that forks its daemon and exits; keeps the daemon's handle (its pid file). */
  private void daemon(List<String> command, Path log, Path pidFile) throws IOException {
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
    b.redirectOutput(log.toFile());
    // what the hosts' programs inherit: no variable of this process but these (no token)
    Map<String, String> env = b.environment();
    String path = System.getenv("PATH");
    env.clear();
    env.put(
        "PATH",
        Path.of(System.getProperty("java.home"), "bin")
            + ":"
            + (path == null ? "/usr/bin:/bin" : path));
    env.put("LANG", "C.UTF-8");
    env.put("HOME", System.getProperty("user.home", "/"));
    Process p = b.start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new CliException(
            CliException.CONFIG,
            String.join(" ", command)
                + " did not start: "
                + Files.readString(log).strip()
                + " (see "
                + log
                + ")");
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < end) {
        Optional<ProcessHandle> h = pid(pidFile).flatMap(ProcessHandle::of);
        if (h.isPresent()) {
          started.add(h.get());
          daemons++;
          return;
        }
        Thread.sleep(20);
      }
      throw new CliException(
          CliException.CONFIG, String.join(" ", command) + " wrote no pid to " + pidFile);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.CONFIG, "interrupted starting " + command.get(0));
    }
  }

  private static Optional<Long> pid(Path pidFile) {
    try {
      String text = Files.readString(pidFile).strip();
      return text.matches("[0-9]+") ? Optional.of(Long.parseLong(text)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static void waitFor(Path socket, String what, Path log) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(socket)) {
      if (System.nanoTime() > end) {
        throw new CliException(
            CliException.CONFIG, what + " made no socket at " + socket + " in 20 s; see " + log);
      }
      sleep();
    }
  }

  private static void waitForPort(int port, String what, Path log) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > end) {
          throw new CliException(
              CliException.CONFIG,
              what + " does not listen on 127.0.0.1:" + port + " after 20 s; see " + log);
        }
        sleep();
      }
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.CONFIG, "interrupted");
    }
  }

  @Override
  public List<String> hosts() {
    return List.copyOf(ports.keySet());
  }

  @Override
  public URI url(String host) {
    return URI.create("http://127.0.0.1:" + ports.get(host) + "/");
  }

  /** Every host's nginx, for the visitors. */
  List<InetSocketAddress> sites() {
    return ports.values().stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
  }

  /** What {@link #close} stopped besides the daemons: the servers supervisord ran. */
  int stoppedServers() {
    return stoppedServers;
  }

  /** How many supervisord daemons were started (one per host; each runs its host's nginx). */
  int daemons() {
    return daemons;
  }

  /**
   * Stops each supervisord (TERM: it stops its programs first, each process group) and nginx (TERM)
   * by the pid it wrote, never by name; waits for them and for the servers they ran, and ends by
   * force what is left after 15 s.
   */
  @Override
  public synchronized void close() {
    if (started.isEmpty()) {
      return; // stopped already (the shutdown hook after the demo's own close): keep the count
    }
    List<ProcessHandle> all = new ArrayList<>();
    for (ProcessHandle daemon : started) {
      all.addAll(daemon.descendants().toList());
      all.add(daemon);
    }
    stoppedServers =
        (int)
            started.stream()
                .flatMap(ProcessHandle::descendants)
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .count();
    started.forEach(ProcessHandle::destroy);
    long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    for (ProcessHandle p : all) {
      while (p.isAlive() && System.nanoTime() < end) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    started.clear();
  }
}
