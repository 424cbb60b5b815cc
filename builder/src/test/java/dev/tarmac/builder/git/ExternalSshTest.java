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
                + " -o IdentityFile=\"/var/lib/tarmac/secrets/shop.deploy-key\""
                + " -o UserKnownHostsFile=\"/var/lib/tarmac/secrets/known_hosts\""
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

  /**
   * A data dir with a space (or a {@code %}) in its path: ssh itself reads the options as one file
   * each — unquoted, {@code UserKnownHostsFile} was split into two files (host keys recorded
   * outside {@code secrets/}, e.g. in {@code /srv/my}) and {@code IdentityFile} refused. ({@code
   * ssh -G} prints a list of files joined by spaces, so the split itself shows only in the exact
   * command line above; the refusal and the {@code %} do show here.)
   */
  @Test
  void pathsWithSpacesAndPercentSignsReachSshAsOneFileEach() throws Exception {
    Path key = Path.of("/srv/my data/100%/secrets/shop.deploy-key");
    Path known = Path.of("/srv/my data/100%/secrets/known_hosts");
    java.util.List<String> argv =
        new java.util.ArrayList<>(
            ExternalSsh.argv(new URIish("ssh://git@127.0.0.1/r.git"), "x", key, known, 5));
    // ssh -G prints the configuration it would use, without connecting
    argv.subList(argv.size() - 3, argv.size()).clear();
    argv.addAll(1, java.util.List.of("-G"));
    argv.add("127.0.0.1");
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out.lines().filter(l -> l.startsWith("userknownhostsfile ")))
        .containsExactly("userknownhostsfile /srv/my data/100%/secrets/known_hosts");
    assertThat(out.lines().filter(l -> l.startsWith("identityfile ")))
        // shown before its %-tokens are expanded (%% is a literal %, ssh_config(5) TOKENS)
        .containsExactly("identityfile /srv/my data/100%%/secrets/shop.deploy-key");
  }
}
