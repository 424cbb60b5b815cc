package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.testing.DeployFixture;
import dev.tarmac.deploy.testing.SshHosts;
import dev.tarmac.deploy.testing.TestBuilds;
import dev.tarmac.distributor.model.AppName;
import dev.tarmac.distributor.model.EnvName;
import dev.tarmac.distributor.model.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Incremental releases over real SSH hosts: only what changed crosses the network, every file of
 * the new release is checked, the old release stays byte-identical, and a host whose old release
 * was changed by hand gets the full artifact.
 */
class DeltaReleaseIT {

  /** sha256 of every file, the target of every link and the mode of everything, one line each. */
  static String fingerprint(Path dir) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted().toList()) {
        String rel = dir.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.append("l ").append(rel).append(" -> ").append(Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          out.append("d ")
              .append(rel)
              .append(' ')
              .append(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        } else {
          out.append("f ")
              .append(rel)
              .append(' ')
              .append(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
              .append(' ')
              .append(TestBuilds.sha256(Files.readAllBytes(p)));
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  @Test
  void onlyWhatChangedCrossesTheNetworkAndEveryFileIsChecked() throws Exception {
    Path work = DeployFixture.workDir("delta-release-");
    try (SshHosts ssh = new SshHosts(work.resolve("hosts"), 2, 14);
        DeployFixture fx =
            new DeployFixture(work.resolve("fx"), Transports.standard(ssh.settings()))) {
      String config =
          "app: inc\nrelease:\n  shared: [public/uploads]\nenvironments:\n  prod:\n"
              + "    deploy_to: "
              + ssh.deployTo()
              + "\n    hosts:\n"
              + ssh.hostsYaml("      ");
      Path a = TestBuilds.sampleTree(Files.createDirectories(work.resolve("a")), "v1");
      byte[] big = new byte[400_000];
      new java.util.Random(3).nextBytes(big);
      Files.write(a.resolve("public/big.bin"), big);
      Files.writeString(a.resolve("public/old-name.txt"), "renamed later\n");
      Files.writeString(a.resolve("public/gone.txt"), "removed later\n");
      Files.writeString(a.resolve("bin/script"), "#!/bin/sh\necho hi\n");
      Files.createSymbolicLink(a.resolve("public/latest"), Path.of("big.bin"));
      var v1 = TestBuilds.publish(fx.store, "inc", "v1", a, config);

      Path b = work.resolve("b");
      new ProcessBuilder("cp", "-a", a.toString(), b.toString()).start().waitFor();
      Files.writeString(b.resolve("public/index.html"), "<h1>release v2</h1>\n"); // one file
      Files.delete(b.resolve("public/gone.txt")); // removed
      Files.move(b.resolve("public/old-name.txt"), b.resolve("public/new-name.txt")); // renamed
      b.resolve("bin/script").toFile().setExecutable(true, false); // exec bit
      Files.delete(b.resolve("public/latest"));
      Files.createSymbolicLink(b.resolve("public/latest"), Path.of("index.html")); // symlink
      var v2 = TestBuilds.publish(fx.store, "inc", "v2", b, config);

      ReleaseRecord first =
          fx.deployer.release(
              AppName.of("inc"), EnvName.of("prod"), Version.of("v1"), fx.options());
      assertThat(first.hosts()).allMatch(h -> h.transfer().mode().equals("full"));
      Path host1 = ssh.host("host1").root();
      Path host2 = ssh.host("host2").root();
      String before = fingerprint(host1.resolve("releases/v1"));
      // host2's v1 is changed by hand: it cannot be the base of a delta
      Files.writeString(host2.resolve("releases/v1/public/big.bin"), "tampered");

      ReleaseRecord second =
          fx.deployer.release(
              AppName.of("inc"), EnvName.of("prod"), Version.of("v2"), fx.options());
      assertThat(second.status()).isEqualTo(ReleaseStatus.LIVE);
      ReleaseRecord.HostRecord h1 = second.hosts().get(0);
      ReleaseRecord.HostRecord h2 = second.hosts().get(1);
      assertThat(h1.transfer().mode()).isEqualTo("delta");
      assertThat(h1.transfer().from()).isEqualTo("v1");
      assertThat(h1.transfer().bytes()).isLessThan(v2.size() / 10);
      assertThat(h2.transfer().mode()).isEqualTo("full");
      assertThat(h2.transfer().bytes()).isEqualTo(v2.size());
      assertThat(h2.tasks())
          .filteredOn(t -> t.name().equals("download delta"))
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.ok()).isFalse();
                assertThat(t.detail()).contains("was releases/v1 changed on this host?");
              });

      // both hosts hold exactly v2: the same files, modes and links as the build
      String expected = fingerprint(b);
      for (Path root : List.of(host1, host2)) {
        Path v2dir = root.resolve("releases/v2");
        assertThat(v2dir.resolve("public/gone.txt")).doesNotExist();
        assertThat(v2dir.resolve("public/old-name.txt")).doesNotExist();
        assertThat(v2dir.resolve("public/new-name.txt")).content().isEqualTo("renamed later\n");
        assertThat(v2dir.resolve("bin/script")).isExecutable();
        assertThat(Files.readSymbolicLink(v2dir.resolve("public/latest")))
            .isEqualTo(Path.of("index.html"));
        assertThat(Files.readSymbolicLink(v2dir.resolve("public/uploads")))
            .isEqualTo(Path.of("../../../shared/public/uploads"));
        assertThat(
                fingerprint(v2dir)
                    .lines()
                    .filter(l -> !l.contains("uploads") && !l.contains("REVISION")))
            .containsExactlyElementsOf(
                expected
                    .lines()
                    .filter(l -> !l.contains("uploads") && !l.contains("tarmac.yml"))
                    .toList());
      }
      // v1 stayed byte-identical while v2 was built from it; a rollback to it is exact
      assertThat(fingerprint(host1.resolve("releases/v1"))).isEqualTo(before);
      fx.deployer.rollback(
          AppName.of("inc"), EnvName.of("prod"), Optional.empty(), false, false, fx.options());
      assertThat(Files.readSymbolicLink(host1.resolve("current")))
          .isEqualTo(Path.of("releases/v1"));
      assertThat(fingerprint(host1.resolve("current").toRealPath())).isEqualTo(before);
      // hosts on different releases each get the delta from their own: host2 serves v2 now
      Files.delete(host2.resolve("current"));
      Files.createSymbolicLink(host2.resolve("current"), Path.of("releases/v2"));
      Path c = work.resolve("c");
      new ProcessBuilder("cp", "-a", b.toString(), c.toString()).start().waitFor();
      Files.writeString(c.resolve("public/index.html"), "<h1>release v3</h1>\n");
      TestBuilds.publish(fx.store, "inc", "v3", c, config);
      ReleaseRecord third =
          fx.deployer.release(
              AppName.of("inc"), EnvName.of("prod"), Version.of("v3"), fx.options());
      assertThat(third.hosts().get(0).transfer())
          .isEqualTo(
              new ReleaseRecord.Transfer("delta", "v1", third.hosts().get(0).transfer().bytes()));
      assertThat(third.hosts().get(1).transfer().mode()).isEqualTo("delta");
      assertThat(third.hosts().get(1).transfer().from()).isEqualTo("v2");
      for (Path root : List.of(host1, host2)) {
        assertThat(root.resolve("current/public/index.html"))
            .content()
            .isEqualTo("<h1>release v3</h1>\n");
      }
      // the delta was made once and is kept in the store
      assertThat(fx.store.exists("apps/inc/deltas/v1..v2.tar.gz")).isTrue();
      assertThat(v1.size()).isGreaterThan(400_000);
    }
  }
}
