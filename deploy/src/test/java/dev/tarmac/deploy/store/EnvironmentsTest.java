package dev.tarmac.deploy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tarmac.deploy.config.ConfigException;
import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.EnvironmentDefinition;
import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import dev.tarmac.distributor.store.fs.UrlSigner;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentsTest {
  @TempDir Path tmp;
  ArtifactStore store;
  Environments envs;

  static final String TWO_HOSTS =
      """
      deploy_to: /srv/shop
      user: deploy
      hosts:
        - { name: web1, address: 10.0.0.1 }
        - { name: web2, address: 10.0.0.2, port: 2222, roles: [web, db] }
      """;

  @BeforeEach
  void setUp() {
    store =
        new FsArtifactStore(
            tmp.resolve("store"),
            URI.create("http://127.0.0.1:9/"),
            new UrlSigner("envs-test-signing-key".getBytes(), Clock.systemUTC()));
    envs = new Environments(store);
  }

  static EnvironmentDefinition def(String yml) {
    return ConfigReader.readEnvironment(yml, "production", "the body");
  }

  @Test
  void revisionsRecordWhoWhenAndWhatChanged() {
    Instant t1 = Instant.parse("2026-12-07T10:00:00Z");
    Instant t2 = Instant.parse("2026-12-07T11:00:00Z");
    envs.put("shop", def(TWO_HOSTS), "alice", t1);
    String moved =
        """
        deploy_to: /srv/other
        user: deploy
        parallel: 2
        hosts:
          - { name: web1, address: 10.0.0.9 }
          - { name: web3, address: 10.0.0.3 }
        versions: ["v*", "main-*"]
        """;
    Environments.Revision r = envs.put("shop", def(moved), "bob", t2);

    assertThat(r.revision()).isEqualTo(2);
    assertThat(r.changes())
        .containsExactly(
            "host web1: address 10.0.0.1 → 10.0.0.9, deploy_to /srv/shop → /srv/other",
            "host web3 added (10.0.0.3:22)",
            "host web2 removed",
            "deploy_to /srv/shop → /srv/other",
            "parallel 10 → 2",
            "versions tags → v*, main-*");
    List<Environments.Revision> all = envs.revisions("shop", "production");
    assertThat(all).extracting(Environments.Revision::by).containsExactly("bob", "alice");
    assertThat(all).extracting(Environments.Revision::at).containsExactly(t2, t1);
    assertThat(all.get(1).changes()).containsExactly("registered with 2 hosts (web1, web2)");

    Environments.Registered now = envs.find("shop", "production").orElseThrow();
    assertThat(now.definition()).isEqualTo(def(moved));
    assertThat(now.revision().revision()).isEqualTo(2);
    assertThat(envs.list("shop")).containsOnlyKeys("production");
  }

  @Test
  void theStoredFormReadsBackToTheSameDefinition() {
    EnvironmentDefinition d = def(TWO_HOSTS);
    envs.put("shop", d, "alice", Instant.now());
    assertThat(envs.find("shop", "production").orElseThrow().definition()).isEqualTo(d);
  }

  @Test
  void anUnchangedDefinitionMakesNoRevision() {
    envs.put("shop", def(TWO_HOSTS), "alice", Instant.now());
    envs.put("shop", def(TWO_HOSTS), "bob", Instant.now());
    assertThat(envs.revisions("shop", "production")).hasSize(1);
  }

  @Test
  void aRemovalIsARevisionAndTheEnvironmentIsGone() {
    envs.put("shop", def(TWO_HOSTS), "alice", Instant.now());
    assertThat(envs.remove("shop", "production", "carol", Instant.now())).isPresent();
    assertThat(envs.find("shop", "production")).isEmpty();
    assertThat(envs.list("shop")).isEmpty();
    assertThat(envs.revisions("shop", "production").get(0).changes()).containsExactly("removed");
    assertThat(envs.remove("shop", "production", "carol", Instant.now())).isEmpty();
    // registered again: revision 3, from nothing
    assertThat(envs.put("shop", def(TWO_HOSTS), "alice", Instant.now()).revision()).isEqualTo(3);
  }

  @Test
  void aBadDefinitionNamesTheLineAndKeyWithTheTarmacYmlMessages() {
    assertThatThrownBy(
            () ->
                def(
                    """
                    deploy_to: srv
                    hosts:
                      - { name: web1, port: 99999 }
                    versions: sometimes
                    colour: blue
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "the body is invalid:\n"
                + "  - line 5: colour: unknown key; expected one of: accept_new_host_keys,"
                + " deploy_to, hosts, parallel, ports, supervisor, user, versions\n"
                + "  - line 1: deploy_to: expected an absolute path such as /srv/shop (letters, digits, ._-/@+), got 'srv'\n"
                + "  - line 3: hosts[0].port: expected a number from 1 to 65535, got 99999\n"
                + "  - line 3: hosts[0].deploy_to: is required (here or on the environment): an"
                + " absolute path such as /srv/shop\n"
                + "  - line 4: versions: expected `tags` or a list of globs such as [\"v*\","
                + " \"main-*\"], got 'sometimes'\n"
                + "Fix it and send it again; nothing was changed (docs/environments.md).");
  }

  @Test
  void versionsAreTagsByDefaultOrGlobs() {
    EnvironmentDefinition tags = def(TWO_HOSTS);
    assertThat(tags.versionsRule()).isEqualTo("tags");
    assertThat(tags.allows("v1.4.0", "v1.4.0")).isTrue();
    assertThat(tags.allows("main-1a2b3c4", null)).isFalse();
    EnvironmentDefinition globs = def(TWO_HOSTS + "versions: [\"v1.*\", \"main-???????\"]\n");
    assertThat(globs.allows("v1.4.0", "v1.4.0")).isTrue();
    assertThat(globs.allows("v2.0.0", "v2.0.0")).isFalse();
    assertThat(globs.allows("main-1a2b3c4", null)).isTrue();
    assertThat(globs.allows("main-1a2b3c", null)).isFalse();
  }
}
