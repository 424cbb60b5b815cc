package dev.tarmac.builder.auth;

import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.model.Names;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The API's named tokens, kept hashed (SHA-256 of a 256-bit random secret) in {@code
 * <data-dir>/tokens.json}, mode 600. The first start writes an admin token named {@value
 * #BOOTSTRAP_NAME} to {@code <data-dir>/api-token} (mode 600), which the CLI reads by default;
 * later starts read it back. {@code tarmac.api-token} (environment {@code TARMAC_API_TOKEN}), when
 * set, is that admin token instead and nothing is written. A secret is never logged and only the
 * answer that creates it carries it.
 */
public final class TokenStore {
  private static final Logger LOG = Logger.getLogger(TokenStore.class);
  public static final String BOOTSTRAP_NAME = "admin";
  public static final String BOOTSTRAP_FILE = "api-token";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final String PREFIX = "tarmac_";

  /** What {@link #create} answers, once: the token and its secret. */
  public record Created(String name, String role, List<String> envs, String token) {}

  /** The file's form. */
  record Stored(List<Token> tokens) {}

  private final Path dataDir;
  private final Path file;
  private final Optional<String> configured;
  private final Clock clock;
  private final Map<String, Token> tokens = new LinkedHashMap<>();
  private final List<Consumer<Token>> onRevoke = new CopyOnWriteArrayList<>();
  private Token configuredToken;
  private boolean loaded;

  /**
   * Every token in force, for the checks of every request: read without this store's lock, so a
   * request's token check (on the event loop: {@code AuthFilter}) never waits for a token being
   * written to disk. Replaced whole, under the lock, after each change.
   */
  private volatile List<Token> inForce;

  public TokenStore(Path dataDir, Optional<String> configured, Clock clock) {
    this.dataDir = dataDir;
    this.file = dataDir.resolve("tokens.json");
    this.configured = configured.map(String::strip).filter(s -> !s.isEmpty());
    this.clock = clock;
  }

  /** Loads the tokens; on the very first start, makes the admin token and its file. */
  public synchronized void bootstrap() {
    if (loaded) {
      return;
    }
    try {
      Files.createDirectories(dataDir);
      if (configured.isPresent()) {
        configuredToken =
            new Token(BOOTSTRAP_NAME, Role.ADMIN, List.of(), sha256(configured.get()), null);
      }
      if (Files.exists(file)) {
        for (Token t : Json.read(Files.readAllBytes(file), Stored.class).tokens()) {
          tokens.put(t.name(), t);
        }
      } else if (configuredToken == null) {
        Path bootstrap = dataDir.resolve(BOOTSTRAP_FILE);
        boolean existed = Files.exists(bootstrap);
        String secret = existed ? Files.readString(bootstrap).strip() : newSecret();
        if (!existed) {
          writePrivate(bootstrap, secret + "\n", false);
          secret = Files.readString(bootstrap).strip();
        }
        tokens.put(
            BOOTSTRAP_NAME,
            new Token(BOOTSTRAP_NAME, Role.ADMIN, List.of(), sha256(secret), clock.instant()));
        save();
        LOG.infof(
            "%s the admin token '%s' in %s (mode 600; the tarmac CLI reads it from there). Make"
                + " more with `tarmac tokens create NAME --role viewer|deployer|admin`.",
            existed ? "Kept" : "Wrote", BOOTSTRAP_NAME, bootstrap);
      } else {
        save();
      }
      loaded = true;
      publish();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read or write the API tokens in " + dataDir + " (check tarmac.data-dir)", e);
    }
  }

  /** The token whose secret this is, if it is one that is not revoked. */
  public Optional<Token> verify(String secret) {
    List<Token> current = current();
    if (secret == null || secret.isBlank()) {
      return Optional.empty();
    }
    byte[] hash = sha256(secret.strip()).getBytes(StandardCharsets.US_ASCII);
    Token found = null;
    for (Token t : current) {
      // compare every one in constant time, so the answer's timing tells nothing
      if (MessageDigest.isEqual(hash, t.sha256().getBytes(StandardCharsets.US_ASCII))) {
        found = t;
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * Is this token (name and hash, as a dashboard session holds it) still one that is not revoked?
   */
  public boolean stillValid(Token token) {
    return current().stream()
        .anyMatch(t -> t.name().equals(token.name()) && t.sha256().equals(token.sha256()));
  }

  /** The tokens in force, loading them first if this is the first question. */
  private List<Token> current() {
    List<Token> current = inForce;
    if (current == null) {
      bootstrap();
      current = inForce;
    }
    return current;
  }

  /** Makes what {@link #verify} sees what this store now holds (under its lock). */
  private void publish() {
    inForce = List.copyOf(all());
  }

  public synchronized List<Token.Info> list() {
    bootstrap();
    return all().stream().map(Token::info).toList();
  }

  /** Makes a token; the secret is in the answer and nowhere else. */
  public synchronized Created create(String name, Role role, List<String> envs) {
    bootstrap();
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "token name '"
              + name
              + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ @ -, starting with a letter or"
              + " digit (e.g. ci-staging or ann@laptop)");
    }
    List<String> environments = envs == null ? List.of() : envs;
    environments.forEach(Names::env);
    if (!environments.isEmpty() && role != Role.DEPLOYER) {
      throw new IllegalArgumentException(
          "--env (envs) limits a deployer token; a "
              + role.label()
              + " token is not limited by environment. Drop it, or use --role deployer");
    }
    if (find(name).isPresent()) {
      throw new IllegalStateException(
          "there is already a token named '"
              + name
              + "'; revoke it first (tarmac tokens revoke "
              + name
              + ") or choose another name");
    }
    String secret = newSecret();
    Token token = new Token(name, role, List.copyOf(environments), sha256(secret), clock.instant());
    tokens.put(name, token);
    try {
      save();
    } catch (IOException e) {
      tokens.remove(name);
      throw new UncheckedIOException("cannot save " + file, e);
    }
    publish();
    LOG.infof("token '%s' (%s) created", name, role.label());
    return new Created(name, role.label(), token.envs(), secret);
  }

  /** Tells {@code listener} of every token revoked from now on, once it is refused. */
  public void onRevoke(Consumer<Token> listener) {
    onRevoke.add(listener);
  }

  /**
   * Revokes a token at once: refused from now on, and its open event streams end ({@link
   * #onRevoke}, outside this store's lock). Revoking the first admin token also removes the {@code
   * api-token} file that holds it.
   */
  public void revoke(String name) {
    Token removed = remove(name);
    onRevoke.forEach(l -> l.accept(removed));
  }

  private synchronized Token remove(String name) {
    bootstrap();
    if (configuredToken != null && configuredToken.name().equals(name)) {
      throw new IllegalStateException(
          "the token '"
              + name
              + "' is set by tarmac.api-token (TARMAC_API_TOKEN); remove that setting and restart"
              + " the service to revoke it");
    }
    Token removed = tokens.remove(name);
    publish(); // refused from now on, even while the file is written
    if (removed == null) {
      throw new java.util.NoSuchElementException(
          "there is no token named '" + name + "'; `tarmac tokens list` shows them");
    }
    try {
      save();
      Path bootstrap = dataDir.resolve(BOOTSTRAP_FILE);
      if (Files.exists(bootstrap)
          && sha256(Files.readString(bootstrap).strip()).equals(removed.sha256())) {
        Files.delete(bootstrap);
      }
    } catch (IOException e) {
      tokens.put(name, removed);
      publish();
      throw new UncheckedIOException("cannot save " + file, e);
    }
    LOG.infof("token '%s' revoked", name);
    return removed;
  }

  private Optional<Token> find(String name) {
    return all().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  private List<Token> all() {
    List<Token> out = new ArrayList<>();
    if (configuredToken != null) {
      out.add(configuredToken);
    }
    tokens.values().stream()
        .filter(t -> configuredToken == null || !t.name().equals(configuredToken.name()))
        .forEach(out::add);
    return out;
  }

  private void save() throws IOException {
    writePrivate(
        file,
        new String(
            Json.write(new Stored(new ArrayList<>(tokens.values()))), StandardCharsets.UTF_8),
        true);
  }

  /** Writes {@code text} to a new file of mode 600, then moves it into place. */
  private void writePrivate(Path target, String text, boolean replace) throws IOException {
    Path tmp =
        Files.createTempFile(
            dataDir,
            "." + target.getFileName(),
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(tmp, text);
      if (replace) {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        try {
          Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
          // another start made it first: that one is the token
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static String newSecret() {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return PREFIX + HexFormat.of().formatHex(random);
  }

  static String sha256(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
