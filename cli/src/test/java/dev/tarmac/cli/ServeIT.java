package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code tarmac serve} as a person runs it, with its default data directory (under a test home):
 * the admin token is written once to {@code api-token}, is on no command line and in no log, is
 * what {@code tarmac} uses by default, survives a restart; and {@code tarmac tokens} makes, lists
 * and revokes named tokens with roles.
 */
class ServeIT {
  Path dir;
  Path home;
  int port;
  String host = "127.0.0.1";
  String umask;
  Process serve;
  final StringBuilder serveOutput = new StringBuilder();

  record Run(int exit, String out, String err) {}

  @AfterEach
  void stop() throws Exception {
    stopServe();
  }

  @Test
  void theTokenIsInNoCommandLineNorLogIsReadByDefaultAndSurvivesARestart() throws Exception {
    Path data = newHome("serve-it-");

    startServe();
    Path tokenFile = data.resolve("api-token");
    assertThat(tokenFile).as(output()).exists();
    String token = Files.readString(tokenFile).strip();
    assertThat(token).matches("tarmac_[0-9a-f]{64}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
        .isEqualTo("rw-------");

    // not on any command line on this machine (what ps shows), while the service runs
    List<String> commandLines = commandLines();
    assertThat(commandLines)
        .as("the service is among the processes")
        .anyMatch(c -> c.contains("quarkus-run.jar") && c.contains(data.toString()));
    assertThat(commandLines).noneMatch(c -> c.contains(token));
    if (Files.isExecutable(Path.of("/usr/bin/ps"))) { // procps; /proc above is what it reads
      Process ps = new ProcessBuilder("ps", "-eww", "-o", "args").start();
      String psOut = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(ps.waitFor()).isZero();
      assertThat(psOut).contains("quarkus-run.jar").doesNotContain(token);
    }
    // nor in the service's log, nor in what serve prints
    assertThat(Files.readString(data.resolve("service.log")))
        .contains("api-token")
        .doesNotContain(token);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!output().contains("Admin token:") && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(output()).contains("Admin token:").doesNotContain(token);
    // the build isolation in force, read from the started service, one line (issue 26)
    assertThat(output().lines().filter(l -> l.startsWith("Build isolation: ")).toList())
        .as(output())
        .hasSize(1)
        .allMatch(
            l ->
                l.startsWith("Build isolation: bubblewrap")
                    || l.startsWith("Build isolation: setpriv")
                    || l.startsWith("Build isolation: none"));

    // tarmac reads it by default; without a token nothing is readable
    Run list = tarmac(Map.of(), "tokens", "list");
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out()).containsPattern("admin +admin +all");
    Run anonymous =
        tarmac(Map.of("TARMAC_DATA_DIR", dir.resolve("none").toString()), "builds", "x");
    assertThat(anonymous.exit()).isEqualTo(CliException.CONFIG);
    assertThat(anonymous.err()).contains("no token was found").contains("tarmac tokens create");

    // named tokens with roles
    Run created = tarmac(Map.of(), "tokens", "create", "vera", "--role", "viewer");
    assertThat(created.exit()).as(created.err()).isZero();
    String viewer = created.out().strip();
    assertThat(viewer).matches("tarmac_[0-9a-f]{64}");
    assertThat(created.err()).contains("only time");
    Run viewerRelease =
        tarmac(Map.of("TARMAC_TOKEN", viewer), "release", "demo", "v1.0.0", "--env", "production");
    assertThat(viewerRelease.exit()).isEqualTo(CliException.CONFIG);
    assertThat(viewerRelease.err()).contains("'vera' is a viewer token");
    Run staging =
        tarmac(Map.of(), "tokens", "create", "ci", "--role", "deployer", "--env", "staging");
    String deployer = staging.out().strip();
    Run toProduction =
        tarmac(
            Map.of("TARMAC_TOKEN", deployer), "release", "demo", "v1.0.0", "--env", "production");
    assertThat(toProduction.exit()).isEqualTo(CliException.CONFIG);
    assertThat(toProduction.err()).contains("deploys only to staging");
    Run listed = tarmac(Map.of(), "tokens", "list", "--json");
    assertThat(listed.out()).contains("\"vera\"").contains("\"ci\"").doesNotContain(viewer);
    assertThat(tarmac(Map.of(), "tokens", "revoke", "vera").exit()).isZero();
    Run revoked = tarmac(Map.of("TARMAC_TOKEN", viewer), "tokens", "list");
    assertThat(revoked.exit()).isEqualTo(CliException.CONFIG);
    assertThat(revoked.err()).contains("refused the token");

    // a restart keeps the admin token (and the others)
    stopServe();
    startServe();
    assertThat(Files.readString(tokenFile).strip()).isEqualTo(token);
    Run again = tarmac(Map.of(), "tokens", "list");
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("ci").doesNotContain("vera");
    assertThat(tarmac(Map.of("TARMAC_TOKEN", viewer), "tokens", "list").exit())
        .isEqualTo(CliException.CONFIG);
  }

  @Test
  void serveListensOnTheHostGivenAndAppCredentialsAreReadFromFilesNeverShown() throws Exception {
    Path data = newHome("serve-host-it-");

    // an address this machine does not have: refused before anything starts, naming --host
    Run nowhere =
        tarmac(Map.of(), "serve", "--host", "192.0.2.1", "--port", Integer.toString(port));
    assertThat(nowhere.exit()).isEqualTo(CliException.CONFIG);
    assertThat(nowhere.err()).contains("cannot listen on --host 192.0.2.1 --port " + port);
    assertThat(data.resolve("api-token")).doesNotExist();

    host = "127.0.0.62";
    startServe("--host", host);
    assertThat(output()).contains("Tarmac service on http://127.0.0.62:" + port);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<String> live =
        http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.62:" + port + "/q/health/live"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(live.statusCode()).isEqualTo(200);
    // ...and only there
    try (java.net.Socket s = new java.net.Socket()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000))
          .isInstanceOf(java.net.ConnectException.class);
    }

    // a private repository's token: read from a file, kept mode 600, never printed back
    String secret = "ghp_" + "Zx81kQ0pWm3vN7rT2yL5";
    Path tokenFile = dir.resolve("shop.token");
    Files.writeString(tokenFile, secret + "\n");
    Run added =
        tarmac(
            Map.of(),
            "apps",
            "add",
            "shop",
            "https://git.example.invalid/team/shop.git",
            "--no-watch",
            "--token-file",
            tokenFile.toString());
    assertThat(added.exit()).as(added.err()).isZero();
    assertThat(added.out()).contains("credential: token").doesNotContain(secret);
    Path stored = data.resolve("secrets/shop.token");
    assertThat(Files.readString(stored).strip()).isEqualTo(secret);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored)))
        .isEqualTo("rw-------");
    Run listed = tarmac(Map.of(), "apps", "list", "--json");
    assertThat(listed.out()).contains("\"TOKEN\"").doesNotContain(secret);
    Run wrongKind =
        tarmac(Map.of(), "apps", "credential", "shop", "--deploy-key-file", tokenFile.toString());
    assertThat(wrongKind.exit()).isNotZero();
    assertThat(wrongKind.err()).contains("a deploy key is for ssh:// repositories");
    assertThat(tarmac(Map.of(), "apps", "credential", "shop", "--remove").exit()).isZero();
    assertThat(stored).doesNotExist();
    assertThat(Files.readString(data.resolve("service.log"))).doesNotContain(secret);
  }

  /** A fresh test home and port; returns the default data directory under that home. */
  @Test
  void aFirstStartUnderUmask000KeepsTheDataDirPrivateAndAnOpenOneIsRefused() throws Exception {
    Path data = newHome("serve-umask-it-");
    umask = "000";
    startServe();
    String api = "http://" + host + ":" + port;
    Path tokenFile = data.resolve("api-token");
    assertThat(tokenFile).as(output()).exists();
    Path keyFile = dir.resolve("app.token");
    Files.writeString(keyFile, "glpat-umask000token\n");
    Run added =
        tarmac(
            Map.of(),
            "apps",
            "add",
            "umask",
            "https://127.0.0.1:1/team/umask.git",
            "--no-watch",
            "--token-file",
            keyFile.toString());
    assertThat(added.exit()).as(added.err()).isZero();
    // the data dir (store, logs, git mirrors) is the service's alone, whatever the umask
    assertThat(mode(data)).as(api).isEqualTo("rwx------");
    assertThat(mode(data.resolve("secrets"))).isEqualTo("rwx------");
    assertThat(mode(data.resolve("secrets/umask.token"))).isEqualTo("rw-------");
    assertThat(mode(tokenFile)).isEqualTo("rw-------");
    assertThat(mode(data.resolve("signing.key"))).isEqualTo("rw-------");
    stopServe();

    // a data dir others can write (made so by hand, or by an older version) is refused, unchanged
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
    Run refused = tarmac(Map.of(), "serve", "--port", Integer.toString(port));
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.out() + refused.err())
        .contains(data.toString())
        .contains("writable by other users")
        .contains("chmod 700");
    assertThat(mode(data)).isEqualTo("rwxrwxrwx");
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private Path newHome(String prefix) throws IOException {
    dir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target").toAbsolutePath()), prefix);
    home = Files.createDirectories(dir.resolve("home"));
    port = ServiceProcess.freePort();
    return home.resolve(".local/share/tarmac");
  }

  private String output() {
    synchronized (serveOutput) {
      return serveOutput.toString();
    }
  }

  /** Every process's command line, as ps reads it from /proc. */
  static List<String> commandLines() throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          out.add(
              new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' '));
        } catch (IOException e) {
          // the process ended meanwhile
        }
      }
    }
    return out;
  }

  private List<String> java(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home,
                "-Dtarmac.home=" + System.getProperty("tarmac.home"),
                "-cp",
                System.getProperty("tarmac.cli.classpath"),
                "dev.tarmac.cli.Main"));
    command.addAll(List.of(args));
    return command;
  }

  private ProcessBuilder clean(ProcessBuilder pb) {
    for (String v : List.of("TARMAC_URL", "TARMAC_TOKEN", "TARMAC_DATA_DIR", "TARMAC_API_TOKEN")) {
      pb.environment().remove(v);
    }
    pb.environment().put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    return pb;
  }

  private void startServe(String... more) throws Exception {
    synchronized (serveOutput) {
      serveOutput.setLength(0);
    }
    List<String> args = new ArrayList<>(List.of("serve", "--port", Integer.toString(port)));
    args.addAll(List.of(more));
    List<String> command = java(args.toArray(String[]::new));
    if (umask != null) {
      command.addAll(0, List.of("sh", "-c", "umask " + umask + " && exec \"$@\"", "sh"));
    }
    serve = clean(new ProcessBuilder(command)).redirectErrorStream(true).start();
    CompletableFuture<Boolean> ready = new CompletableFuture<>();
    Process p = serve;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (serveOutput) {
                    serveOutput.append(line).append('\n');
                  }
                  if (line.startsWith("Tarmac service on")) {
                    ready.complete(true);
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
              ready.complete(false);
            });
    reader.setDaemon(true);
    reader.start();
    assertThat(ready.get(2, TimeUnit.MINUTES)).as(output()).isTrue();
  }

  private void stopServe() throws Exception {
    if (serve == null) {
      return;
    }
    List<ProcessHandle> children = serve.descendants().toList();
    serve.destroy(); // SIGTERM: serve stops its service, as on Ctrl-C
    if (!serve.waitFor(60, TimeUnit.SECONDS)) {
      serve.destroyForcibly();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (ProcessHandle child : children) {
      while (child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
    serve = null;
  }

  private Run tarmac(Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb = clean(new ProcessBuilder(java(args)));
    pb.environment().put("TARMAC_URL", "http://" + host + ":" + port);
    pb.environment().putAll(env);
    Path err = Files.createTempFile(dir, "err", ".txt");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), out, Files.readString(err));
  }
}
