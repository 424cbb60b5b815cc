package dev.tarmac.builder.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * A real git repository in a temp directory holding a small web app: SCSS with a partial, JS and
 * CSS to minify, an executable script, a symlink, a build command, a tests/ directory to exclude.
 */
public final class SampleRepo implements AutoCloseable {
  public static final String TARMAC_YML =
      """
      app: shop
      build:
        sass:
          - { from: assets/scss/main.scss, to: public/css/main.css }
        minify: ["public/js/**/*.js", "public/css/**/*.css"]
        commands: ["mkdir -p vendor && echo \\"installed for $TARMAC_APP $TARMAC_VERSION $TARMAC_COMMIT\\" > vendor/INSTALLED"]
        exclude: ["tests", "node_modules"]
      release:
        shared: [public/uploads]
      environments:
        demo:
          deploy_to: /srv/shop
          hosts: [{ name: a, address: local, roles: [web, db] }]
      """;

  private final Path dir;
  private final Git git;
  private int commits;

  public SampleRepo(Path dir) throws Exception {
    this.dir = dir;
    Files.createDirectories(dir);
    this.git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call();
    write("tarmac.yml", TARMAC_YML);
    write("assets/scss/_colors.scss", "$brand: #3366ff;\n$text: #222222;\n");
    write(
        "assets/scss/main.scss",
        "@use 'colors';\n\nbody {\n  color: colors.$text;\n  a { color: colors.$brand; }\n}\n");
    write(
        "public/js/app.js",
        """
        // The shop's front-end code.
        function greet(customerName) {
          const message = "Welcome, " + customerName + "!";
          document.getElementById("greeting").textContent = message;
          return message;
        }

        /* export for the page */
        window.greet = greet;
        """);
    write("public/js/lib/util.js", "export function twice(value) {\n  return value * 2;\n}\n");
    write(
        "public/css/extra.css",
        "/* extra styles */\n.banner {\n  margin: 0px 0px 0px 0px;\n  color: #ffffff;\n}\n");
    write("public/index.html", "<!doctype html><title>shop</title><p id=greeting>hello</p>\n");
    write("bin/migrate", "#!/bin/sh\necho migrating\n");
    Files.setPosixFilePermissions(
        dir.resolve("bin/migrate"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(dir.resolve("public/app.js"), Path.of("js/app.js"));
    write("tests/test_shop.py", "def test_nothing():\n    pass\n");
    commitAndTag("first release", "v1.0.0");
  }

  public Path dir() {
    return dir;
  }

  public String url() {
    return dir.toUri().toString();
  }

  public SampleRepo write(String path, String content) throws IOException {
    Path file = dir.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    return this;
  }

  public SampleRepo delete(String path) throws IOException {
    Files.delete(dir.resolve(path));
    return this;
  }

  /**
   * Commits everything with a fixed author and time, and tags it (annotated). Returns the commit
   * id.
   */
  public String commitAndTag(String message, String tag) throws Exception {
    commits++;
    PersonIdent who =
        new PersonIdent(
            "Tarmac Test",
            "test@tarmac.invalid",
            Instant.parse("2026-01-01T00:00:00Z").plusSeconds(commits * 60L),
            ZoneOffset.UTC);
    git.add().addFilepattern(".").call();
    git.add().addFilepattern(".").setUpdate(true).call();
    String id =
        git.commit()
            .setMessage(message)
            .setAuthor(who)
            .setCommitter(who)
            .setSign(false)
            .call()
            .name();
    git.tag().setName(tag).setMessage("release " + tag).setTagger(who).setSigned(false).call();
    return id;
  }

  /** Makes branch {@code name} at the current commit. */
  public void branch(String name) throws Exception {
    git.branchCreate().setName(name).call();
  }

  @Override
  public void close() {
    git.close();
  }
}
