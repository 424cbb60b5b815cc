package dev.tarmac.builder.git;

import dev.tarmac.distributor.model.Names;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * The credentials the service fetches private repositories with (docs/operations.md, "Private
 * repositories"): per app, an access token for {@code https://} or a deploy key for {@code ssh://},
 * each a file of mode 600 under {@code <data-dir>/secrets/} (mode 700), beside the SSH host keys
 * the service has accepted ({@code secrets/known_hosts}). They are set by an admin through the API,
 * never answered back (only what kind of credential an app has, and a deploy key's public half),
 * never logged, never on a command line (the key's path is, its content is not), and out of the
 * build sandbox's sight with the rest of the data directory (docs/architecture.md, "Build
 * isolation").
 */
public final class RepoSecrets {
  private final java.util.Map<String, ExternalSsh.Said> sshSaid =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The kinds of credential an app can have. */
  public enum Kind {
    TOKEN,
    DEPLOY_KEY
  }

  /** What may be shown of an app's credential: its kind, and a deploy key's public key. */
  public record Shown(Kind kind, String publicKey) {}

  /** The user name sent with a token when the repository URL names none. */
  public static final String TOKEN_USER = "tarmac";

  private static final int MAX_TOKEN = 4096;
  private static final int MAX_KEY = 64 * 1024;

  private final Path dir;

  /** The secrets of the service whose data directory is {@code dataDir}. */
  public RepoSecrets(Path dataDir) {
    this.dir = dataDir.toAbsolutePath().resolve("secrets");
  }

  public Path knownHosts() {
    return dir.resolve("known_hosts");
  }

  private Path token(String app) {
    return dir.resolve(Names.app(app) + ".token");
  }

  private Path deployKey(String app) {
    return dir.resolve(Names.app(app) + ".deploy-key");
  }

  /**
   * Keeps {@code token} as the app's credential for {@code https://} (replacing a deploy key).
   *
   * @throws IllegalArgumentException when it is empty, too long or not one line of printable text
   *     (the message never contains it)
   */
  public void setToken(String app, String token) {
    String t = token == null ? "" : token.strip();
    if (t.isEmpty() || t.length() > MAX_TOKEN || !t.chars().allMatch(c -> c > 32 && c < 127)) {
      throw new IllegalArgumentException(
          "the token for "
              + app
              + " must be one line of printable ASCII without spaces, 1 to "
              + MAX_TOKEN
              + " characters (what the git host issued as a personal or deploy access token)");
    }
    write(token(app), t + "\n");
    delete(deployKey(app));
  }

  /**
   * Keeps {@code key} (an unencrypted OpenSSH or PEM private key) as the app's deploy key for
   * {@code ssh://} (replacing a token); returns its public key, to be added to the git host.
   *
   * @throws IllegalArgumentException when {@code ssh-keygen} cannot read it as an unencrypted
   *     private key (the message never contains it), nothing kept
   */
  public String setDeployKey(String app, String key) {
    String k = key == null ? "" : key.strip() + "\n";
    if (k.length() > MAX_KEY || !k.contains("PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          "the deploy key for "
              + app
              + " is not a private key file (expected '-----BEGIN OPENSSH PRIVATE KEY-----';"
              + " make one with: ssh-keygen -t ed25519 -N '' -f deploy-key)");
    }
    Path candidate = write(dir.resolve("." + app + ".deploy-key.new"), k);
    try {
      String publicKey = publicKey(candidate, app);
      move(candidate, deployKey(app));
      delete(token(app));
      return publicKey;
    } finally {
      delete(candidate);
    }
  }

  /**
   * The app's credential as kept now, to be put back by {@link #restore} (a registration refused
   * after its credential was set keeps nothing).
   */
  public Kept kept(String app) {
    Path token = token(app);
    Path key = deployKey(app);
    return new Kept(
        app, Files.exists(token) ? read(token) : null, Files.exists(key) ? read(key) : null);
  }

  /** Puts back what {@link #kept} read: the same credential, or none. */
  public void restore(Kept kept) {
    putBack(token(kept.app), kept.token);
    putBack(deployKey(kept.app), kept.deployKey);
  }

  private void putBack(Path file, String text) {
    if (text == null) {
      delete(file);
    } else {
      write(file, text);
    }
  }

  /** An app's credential as it was kept; never shown (not in {@code toString}). */
  public record Kept(String app, String token, String deployKey) {
    @Override
    public String toString() {
      return "the credential kept for " + app;
    }
  }

  /** Forgets the app's credential, if any. */
  public void remove(String app) {
    delete(token(app));
    delete(deployKey(app));
  }

  /** The app's credential as it may be shown, or empty when it has none. */
  public Optional<Shown> shown(String app) {
    if (Files.exists(deployKey(app))) {
      return Optional.of(new Shown(Kind.DEPLOY_KEY, publicKey(deployKey(app), app)));
    }
    if (Files.exists(token(app))) {
      return Optional.of(new Shown(Kind.TOKEN, null));
    }
    return Optional.empty();
  }

  /**
   * What a fetch of {@code app}'s repository needs: the token as the password of an HTTP transport;
   * for an SSH transport, {@code ssh} run with the deploy key and the service's known hosts.
   */
  public TransportConfigCallback transport(String app) {
    Path key = deployKey(app);
    Path token = token(app);
    return transport -> {
      if (transport instanceof SshTransport ssh) {
        mkdir();
        ssh.setSshSessionFactory(
            new ExternalSsh(
                Files.exists(key) ? key : null,
                knownHosts(),
                sshSaid.computeIfAbsent(app, a -> new ExternalSsh.Said())));
      } else if (Files.exists(token)) {
        URIish uri = transport.getURI();
        String user = uri.getUser() == null || uri.getUser().isEmpty() ? TOKEN_USER : uri.getUser();
        transport.setCredentialsProvider(new ForOrigin(uri, user, read(token).strip()));
      }
    };
  }

  /**
   * {@code url}'s scheme, host and port (the default one filled in), lower case: where a token may
   * be sent. Null when {@code url} cannot be parsed.
   */
  public static String origin(String url) {
    try {
      return url == null ? null : origin(new URIish(url));
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }

  static String origin(URIish uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    int port =
        uri.getPort() > 0
            ? uri.getPort()
            : switch (scheme) {
              case "https" -> 443;
              case "http" -> 80;
              case "ssh" -> 22;
              default -> -1;
            };
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    return scheme + "://" + host + ":" + port;
  }

  /**
   * The token as HTTP Basic credentials for the repository's own origin only: JGit follows a
   * redirect to another host (or from https to http) and would send them there too.
   */
  private static final class ForOrigin extends UsernamePasswordCredentialsProvider {
    private final String origin;

    ForOrigin(URIish repo, String user, String token) {
      super(user, token);
      this.origin = origin(repo);
    }

    @Override
    public boolean get(URIish uri, CredentialItem... items) {
      return origin.equals(origin(uri)) && super.get(uri, items);
    }
  }

  private String publicKey(Path key, String app) {
    try {
      Process p =
          new ProcessBuilder("ssh-keygen", "-y", "-P", "", "-f", key.toString())
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith("ssh-")) {
        p.destroyForcibly();
        throw new IllegalArgumentException(
            "the deploy key for "
                + app
                + " cannot be read by ssh-keygen (is it protected by a passphrase? the service"
                + " needs a key without one: ssh-keygen -t ed25519 -N '' -f deploy-key)");
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run ssh-keygen (install openssh-client)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@link #explain(String)} for a failed fetch of {@code app}: for an {@code ssh://} repository,
   * with what the {@code ssh} process last said when the message does not already carry it.
   */
  public String explain(String app, String message) {
    ExternalSsh.Said said = sshSaid.get(app);
    String ssh = said == null ? "" : said.last(java.time.Duration.ofSeconds(5));
    String m = message == null ? "" : message.strip();
    if (!ssh.isEmpty() && !m.contains(ssh)) {
      m = m + " (ssh: " + ssh.replace('\n', ' ').replace('\r', ' ') + ")";
    }
    return explain(m);
  }

  /**
   * {@code message} (of a failed fetch) with what to do when {@code ssh} refused the host's key:
   * the known hosts are the service's own.
   */
  public String explain(String message) {
    message = message == null ? null : message.strip();
    if (message != null && message.contains("Host key verification failed")) {
      return message
          + " (the git host's SSH key is not the one recorded in "
          + knownHosts()
          + " at the first fetch: if the host's key really changed, check the new fingerprint"
          + " with its administrators, then remove its line from that file; the next fetch"
          + " records the new key)";
    }
    if (message != null && message.contains("Permission denied (publickey")) {
      return message
          + " (the git host refused the deploy key: add its public key, shown by GET"
          + " /api/apps/<app>, as a deploy key of the repository, or set another with tarmac apps"
          + " credential <app> --deploy-key-file FILE)";
    }
    if (message != null
        && (message.contains("no CredentialsProvider") || message.contains("not authorized"))) {
      return message
          + " (the git host wants a token: set it with tarmac apps credential <app> --token-file"
          + " FILE, or check that the one set is still valid)";
    }
    return message;
  }

  private void mkdir() {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + " (check tarmac.data-dir)", e);
    }
  }

  private Path write(Path target, String text) {
    try {
      mkdir();
      Path tmp =
          Files.createTempFile(
              dir,
              ".secret",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, text);
      move(tmp, target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a secret under " + dir, e);
    }
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep a secret at " + to, e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the secret " + file, e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the secret " + file, e);
    }
  }

  /** The schemes a credential of each kind is for. */
  public static List<String> schemes(Kind kind) {
    return kind == Kind.TOKEN ? List.of("https", "http") : List.of("ssh");
  }
}
