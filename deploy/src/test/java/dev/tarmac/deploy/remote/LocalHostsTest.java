package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.TarmacConfig.Host;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A repository's {@code address: local} host runs only where the service's operator allows it,
 * never in the service's own directories, and never with the service's environment (issue 21, item
 * 3).
 */
class LocalHostsTest {
  static Host local(String deployTo) {
    return new Host("h1", "local", 22, "deploy", deployTo, List.of("web"));
  }

  @Test
  void theServiceDefaultRunsNoLocalHost() {
    LocalHosts none = LocalHosts.none(List.of(Path.of("/var/lib/tarmac")));

    assertThatThrownBy(() -> none.open(local("/srv/shop"), "production"))
        .isInstanceOf(TransportException.class)
        .hasMessage(
            "h1 (address: local, environment production) is refused: this service runs no local"
                + " hosts (tarmac.release.local-hosts is not set): a repository cannot choose to run"
                + " its hooks on the Tarmac machine. An operator who wants it sets"
                + " tarmac.release.local-hosts to the directories local hosts may deploy to"
                + " (docs/configuration.md, \"Local hosts\")");
  }

  @Test
  void onlyUnderTheAllowedDirectoriesAndNeverInTheServicesOwn() {
    LocalHosts some =
        new LocalHosts(
            Optional.of(List.of(Path.of("/srv/local"), Path.of("/var/lib"))),
            Optional.empty(),
            List.of(Path.of("/var/lib/tarmac")));

    assertThat(some.open(local("/srv/local/shop"), "staging")).isNotNull();
    assertThatThrownBy(() -> some.open(local("/srv/other/../local2"), "staging"))
        .hasMessage(
            "h1 (address: local, environment staging) is refused: its deploy_to"
                + " (/srv/other/../local2) is not under tarmac.release.local-hosts (/srv/local,"
                + " /var/lib); deploy it there, or ask the operator to add the directory");
    assertThatThrownBy(() -> some.open(local("/var/lib/tarmac/releases"), "staging"))
        .hasMessageContaining("holds or is inside /var/lib/tarmac, which is the service's own");
    assertThatThrownBy(() -> some.open(local("/var/lib"), "staging"))
        .hasMessageContaining("holds or is inside /var/lib/tarmac");
  }

  @Test
  void aServiceRunAsRootRunsNoLocalHostAsRootUnlessTheOperatorSaysWhichUser() {
    List<Path> allowed = List.of(Path.of("/srv/local"));
    LocalHosts unset = new LocalHosts(Optional.of(allowed), Optional.empty(), List.of(), true);

    assertThatThrownBy(() -> unset.open(local("/srv/local/shop"), "staging"))
        .isInstanceOf(TransportException.class)
        .hasMessage(
            "h1 (address: local, environment staging) is refused: this service runs as root and"
                + " tarmac.release.local-user is not set, so the hooks of a repository's local host"
                + " would run as root on the Tarmac machine. The operator sets"
                + " tarmac.release.local-user to an unprivileged user that can write deploy_to"
                + " (e.g. www-data), or to root to accept that (docs/configuration.md, \"Local"
                + " hosts\")");
    LocalHosts set = new LocalHosts(Optional.of(allowed), Optional.of("www-data"), List.of(), true);
    assertThat(set.open(local("/srv/local/shop"), "staging").argv())
        .startsWith(
            "unshare", "--pid", "--fork", "--kill-child", "--", "setpriv", "--reuid=www-data");
    LocalHosts notRoot = new LocalHosts(Optional.of(allowed), Optional.empty(), List.of(), false);
    assertThat(notRoot.open(local("/srv/local/shop"), "staging").argv()).startsWith("sh", "-c");
  }

  @Test
  void aLinkUnderAnAllowedDirectoryDoesNotLeadIntoTheServicesOwn(
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path allowed = java.nio.file.Files.createDirectories(tmp.resolve("local"));
    Path data = java.nio.file.Files.createDirectories(tmp.resolve("data"));
    java.nio.file.Files.createSymbolicLink(allowed.resolve("shop"), data);
    LocalHosts some =
        new LocalHosts(Optional.of(List.of(allowed)), Optional.empty(), List.of(data));

    assertThatThrownBy(
            () -> some.open(local(allowed.resolve("shop/releases").toString()), "staging"))
        .hasMessageContaining("holds or is inside " + data + ", which is the service's own");
  }

  @Test
  void aLocalHostsCommandsSeeNothingOfTheServicesEnvironment() {
    LocalTransport t = new LocalTransport("h1");
    try {
      CommandResult r = t.run("env", Duration.ofSeconds(20));
      assertThat(r.exitCode()).isZero();
      List<String> names =
          r.stdout().lines().map(l -> l.substring(0, Math.max(0, l.indexOf('=')))).toList();
      assertThat(names)
          .allMatch(
              n ->
                  List.of("PATH", "LANG", "USER", "LOGNAME", "HOME", "PWD", "SHLVL", "_")
                      .contains(n),
              "only PATH, LANG, USER, LOGNAME, HOME (and what sh sets): " + names);
    } finally {
      t.close();
    }
  }

  /**
   * A hook's {@code setsid} daemon on a local host outlived the release: the shell's process group
   * does not hold it (issue 21, second round). As root the shell has a PID namespace of its own,
   * which ends with it.
   */
  @Test
  void aHooksSetsidDaemonEndsWithTheLocalHostsShell() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(LocalHosts.serviceIsRoot(), "needs root");
    String mark = "1000." + ProcessHandle.current().pid() + System.nanoTime() % 100000;
    LocalTransport t = new LocalTransport("h1", Optional.empty(), true);
    try {
      CommandResult r =
          t.run(
              "(setsid sleep " + mark + " > /dev/null 2>&1 < /dev/null &); echo started",
              Duration.ofSeconds(20));
      assertThat(r.stdout()).contains("started");
      assertThat(sleeping(mark)).as("the daemon runs while the release does").isNotEmpty();
    } finally {
      t.close();
    }
    List<ProcessHandle> left = sleeping(mark);
    for (int i = 0; i < 100 && !left.isEmpty(); i++) {
      Thread.sleep(100);
      left = sleeping(mark);
    }
    left.forEach(ProcessHandle::destroyForcibly);
    assertThat(left).as("the hook's daemon after the local host's shell ended").isEmpty();
  }

  private static List<ProcessHandle> sleeping(String mark) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains("sleep " + mark))
        .toList();
  }

  @Test
  void asAnotherUserTheShellIsStartedBySetpriv() {
    assertThat(new LocalTransport("h1", Optional.of("nobody")).argv().subList(0, 6))
        .containsExactly("setpriv", "--reuid=nobody", "--regid=65534", "--init-groups", "--", "sh");
  }
}
