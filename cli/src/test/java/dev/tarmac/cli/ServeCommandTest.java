package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The line {@code tarmac serve} prints about the build isolation (issue 26). */
class ServeCommandTest {

  @Test
  void bubblewrapIsNamedAndWhetherBuildsGetAUidOfTheirOwn() {
    assertThat(
            ServeCommand.isolationLine(
                "bubblewrap, as a uid of its own per build (tarmac.build.uids 61000-61999): new PID,"
                    + " IPC, UTS and mount namespaces …; memory: at most 4 GiB per build"))
        .isEqualTo("Build isolation: bubblewrap, a uid of its own per build");
    assertThat(
            ServeCommand.isolationLine(
                "bubblewrap, as the service's own user (uid 1000; the service is not root, so it"
                    + " cannot give builds uids of their own): new PID …; memory: NOT limited per"
                    + " build (tarmac.build.memory): the service is not root; a build can take the"
                    + " machine's memory"))
        .isEqualTo(
            "Build isolation: bubblewrap, as the service's own user (not root: no uid of its own"
                + " per build); memory NOT limited per build (/q/health says why)");
  }

  @Test
  void weakerIsolationSaysWhatToInstall() {
    assertThat(
            ServeCommand.isolationLine(
                "setpriv (tarmac.build.isolation=user), as a uid of its own per build …. Install"
                    + " bubblewrap for more; memory: at most 4 GiB per build"))
        .isEqualTo(
            "Build isolation: setpriv (tarmac.build.isolation=user: a uid of its own per build, no"
                + " namespaces); for more, install bubblewrap and keyutils (Debian: apt-get install"
                + " bubblewrap keyutils) and set tarmac.build.isolation=auto");
    assertThat(
            ServeCommand.isolationLine(
                "none (tarmac.build.isolation=none), as the service's own user (uid 1000) …;"
                    + " memory: NOT limited per build (tarmac.build.memory): no uid of its own; …"))
        .isEqualTo(
            "Build isolation: none (tarmac.build.isolation=none: the service's own user); memory"
                + " NOT limited per build (/q/health says why); for more, install bubblewrap and"
                + " keyutils (Debian: apt-get install bubblewrap keyutils) and set"
                + " tarmac.build.isolation=auto");
  }

  @Test
  void refusedBuildsAndAnUnknownIsolationAreSaid() {
    assertThat(
            ServeCommand.isolationLine(
                "builds refused: builds need bubblewrap (tarmac.build.isolation=auto) and it does"
                    + " not work here: bwrap not found. Install it (Debian: apt-get install"
                    + " bubblewrap); …"))
        .isEqualTo(
            "Build isolation: none; every build is refused: builds need bubblewrap"
                + " (tarmac.build.isolation=auto) and it does not work here: bwrap not found."
                + " Install it (Debian: apt-get install bubblewrap); …");
    assertThat(ServeCommand.isolationLine(null))
        .isEqualTo(
            "Build isolation: not known (GET /q/health/live did not say); the service's log names"
                + " it");
  }
}
