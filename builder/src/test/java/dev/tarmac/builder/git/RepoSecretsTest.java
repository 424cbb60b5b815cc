package dev.tarmac.builder.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tarmac.builder.pipeline.steps.GitMirrors;
import dev.tarmac.builder.workspace.BuildException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** An app's token goes to its repository's host and nowhere else (docs/operations.md). */
class RepoSecretsTest {

  @Test
  void aTokenIsNotSentToTheHostARedirectLeadsTo() throws Exception {
    Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "secrets-");
    String token = "glpat-" + "R3dIrEcTeD0k3nXyZ12";
    List<String> seenElsewhere = new CopyOnWriteArrayList<>();
    // another host: asks for credentials and records what it is sent
    HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
    other.createContext(
        "/",
        ex -> {
          try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            seenElsewhere.add(auth == null ? "none" : auth);
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
            ex.sendResponseHeaders(401, -1);
          }
        });
    // the app's git host, which redirects there (compromised, or a careless move of the repo)
    HttpServer registered = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    registered.createContext(
        "/",
        ex -> {
          try (ex) {
            ex.getResponseHeaders()
                .add(
                    "Location",
                    "http://127.0.0.2:"
                        + other.getAddress().getPort()
                        + ex.getRequestURI().toString());
            ex.sendResponseHeaders(302, -1);
          }
        });
    other.start();
    registered.start();
    try {
      RepoSecrets secrets = new RepoSecrets(data);
      secrets.setToken("shop", token);
      String url = "http://127.0.0.1:" + registered.getAddress().getPort() + "/git/shop.git";

      assertThatThrownBy(() -> GitMirrors.remoteTags(url, secrets.transport("shop")))
          .isInstanceOf(BuildException.class);

      String basic =
          Base64.getEncoder()
              .encodeToString(
                  (RepoSecrets.TOKEN_USER + ":" + token).getBytes(StandardCharsets.UTF_8));
      assertThat(seenElsewhere).as("the redirect was followed").isNotEmpty();
      assertThat(seenElsewhere).noneMatch(a -> a.contains(basic));
    } finally {
      registered.stop(0);
      other.stop(0);
    }
  }
}
