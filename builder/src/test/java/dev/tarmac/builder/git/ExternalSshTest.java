package dev.tarmac.builder.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.eclipse.jgit.transport.URIish;
import org.junit.jupiter.api.Test;

/** The exact ssh command line the service fetches over: the key's path, never its content. */
class ExternalSshTest {
  @Test
  void theCommandLineNamesTheKeyFileAndTheServicesKnownHostsOnly() throws Exception {
    assertThat(
            String.join(
                " ",
                ExternalSsh.argv(
                    new URIish("ssh://git@git.example.com:2222/team/shop.git"),
                    "git-upload-pack '/team/shop.git'",
                    Path.of("/var/lib/tarmac/secrets/shop.deploy-key"),
                    Path.of("/var/lib/tarmac/secrets/known_hosts"),
                    0)))
        .isEqualTo(
            "ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes"
                + " -o IdentityFile=/var/lib/tarmac/secrets/shop.deploy-key"
                + " -o UserKnownHostsFile=/var/lib/tarmac/secrets/known_hosts"
                + " -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=accept-new"
                + " -o UpdateHostKeys=no -o LogLevel=ERROR -o ConnectTimeout=30 -p 2222 -l git --"
                + " git.example.com git-upload-pack '/team/shop.git'");
  }

  @Test
  void withoutAKeyNoneIsOfferedAndTheDefaultPortIsSsh() throws Exception {
    assertThat(
            ExternalSsh.argv(
                new URIish("ssh://host/r.git"), "git-upload-pack '/r.git'", null, Path.of("/k"), 5))
        .contains("IdentityFile=none", "ConnectTimeout=5")
        .doesNotContain("-p", "-l")
        .endsWith("--", "host", "git-upload-pack '/r.git'");
  }
}
