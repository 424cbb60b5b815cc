package dev.tarmac.deploy.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.config.TarmacConfig.Host;
import dev.tarmac.deploy.testing.SshHosts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Logins capped (issue 25, Kamal's issue #326): 8 slow-login sshd hosts (bash with a profile that
 * sleeps 0.2–0.6 s; 127.0.4.1–8, ports 24000–24007) logging in all at once through one {@link
 * Logins} of 2: never more than 2 logins in progress, every host logged in, and the wait for a slot
 * is said by the transport, not counted against its limits. Before: there was no cap, every
 * connection started at once (16 slow logins at once took 12–37 s each and 5 of 16 hit the 40 s
 * limit).
 */
class LoginCapIT {
  static SshHosts ssh;

  @BeforeAll
  static void start() throws Exception {
    ssh =
        new SshHosts(
            // a directory of its own each run: sshd.log is appended to, so an old one counts old
            // logins
            java.nio.file.Files.createTempDirectory(
                Path.of("target").toAbsolutePath(), "login-cap-it-"),
            8,
            4 * 256 + 1,
            SshHosts.Login.SLOW,
            24000);
  }

  @AfterAll
  static void stop() {
    if (ssh != null) {
      ssh.close();
    }
  }

  @Test
  void eightSlowLoginsTwoAtATimeAllLogIn() throws Exception {
    Logins logins = new Logins(2, Duration.ofMinutes(1));
    // a connect limit of 2 s (so the shell's start is limited to 32 s): a host queued behind three
    // turns of the others still has it whole
    SshSettings settings =
        new SshSettings(
            ssh.settings().privateKey(),
            ssh.knownHosts(),
            Duration.ofSeconds(2),
            Duration.ofSeconds(15),
            logins);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<String>> done = new ArrayList<>();
    for (SshHosts.Host h : ssh.hosts()) {
      done.add(
          pool.submit(
              () -> {
                Host host =
                    new Host(
                        h.name(), h.address(), h.port(), ssh.user(), ssh.deployTo(), List.of());
                try (SshTransport t = SshTransport.connect(host, settings, false)) {
                  CommandResult r = t.run("echo $HOSTNAME-ok", Duration.ofSeconds(30));
                  assertThat(r.ok()).as(h.name() + ": " + r.output()).isTrue();
                  return t.toString();
                }
              }));
    }
    List<String> said = new ArrayList<>();
    for (Future<String> f : done) {
      said.add(f.get());
    }
    pool.shutdown();
    assertThat(logins.peak()).isEqualTo(2);
    assertThat(said).anyMatch(s -> s.matches(".*, after \\d+ ms waiting for a login slot"));
    for (SshHosts.Host h : ssh.hosts()) {
      assertThat(ssh.logins(h.name())).as(h.name() + "'s logins in its sshd log").isEqualTo(1);
    }
  }
}
