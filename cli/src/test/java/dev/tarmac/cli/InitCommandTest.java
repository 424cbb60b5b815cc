package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tarmac init} writes what fits the repository (issue 11), and it is valid. */
class InitCommandTest {
  @TempDir Path tmp;

  private void write(Path root, String path, String text) throws Exception {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private String init(Path root) throws Exception {
    int code = new CommandLine(new InitCommand()).execute("--dir", root.toString());
    assertThat(code).isZero();
    return Files.readString(root.resolve("tarmac.yml"));
  }

  @Test
  void anNpmBootstrapThemeGetsItsCommandsItsSassEntryAndItsFolders() throws Exception {
    Path root = tmp.resolve("Admin_Theme");
    write(root, "package.json", "{\"name\": \"t\", \"scripts\": {\"build\": \"node build.js\"}}");
    write(root, "package-lock.json", "{}");
    write(root, "src/scss/styles.scss", "@import \"variables\";\n");
    write(root, "src/scss/_variables.scss", "$x: 1;\n");
    write(root, "node_modules/bootstrap/scss/bootstrap.scss", "");
    write(root, "public/js/app.js", "var a = 1;\n");
    write(root, "test/app.test.js", "");
    write(root, ".browserslistrc", "IE 11\n");

    String yml = init(root);

    TarmacConfig config = ConfigReader.read(yml, "tarmac.yml");
    assertThat(config.app()).isEqualTo("admin-theme");
    assertThat(config.build().commands()).containsExactly("npm ci", "npm run build");
    assertThat(config.build().cache()).containsExactly("~/.npm");
    assertThat(config.build().sass())
        .containsExactly(
            new TarmacConfig.SassEntry(
                "src/scss/styles.scss", "public/css/styles.css", List.of("node_modules"), false));
    assertThat(config.build().minify()).containsExactly("public/**/*.js", "public/**/*.css");
    assertThat(config.build().exclude()).containsExactly("node_modules", "test");
    assertThat(config.environment("staging").deployTo()).isEqualTo("/srv/admin-theme");
    assertThat(yml)
        .doesNotContain("shop")
        .doesNotContain("tests")
        .contains("Browser targets come from .browserslistrc")
        .contains("sudo systemctl reload admin-theme");
  }

  @Test
  void aJekyllThemeGetsItsSassLoadPathAndNothingItDoesNotHave() throws Exception {
    Path root = tmp.resolve("minima");
    write(root, "_sass/minima/_base.scss", "");
    write(root, "assets/main.scss", "---\n---\n@import \"minima\";\n");
    write(root, "index.md", "# hi\n");

    TarmacConfig config = ConfigReader.read(init(root), "tarmac.yml");

    assertThat(config.build().commands()).isEmpty();
    assertThat(config.build().sass())
        .containsExactly(
            new TarmacConfig.SassEntry(
                "assets/main.scss", "assets/main.css", List.of("_sass"), false));
    assertThat(config.build().exclude()).isEmpty();
  }

  @Test
  void aRepositoryWithNothingToBuildGetsNoBuildSteps() throws Exception {
    Path root = tmp.resolve("site");
    write(root, "index.html", "<p>hi</p>\n");

    String yml = init(root);

    TarmacConfig config = ConfigReader.read(yml, "tarmac.yml");
    assertThat(config.build().sass()).isEmpty();
    assertThat(config.build().minify()).isEmpty();
    assertThat(config.build().commands()).isEmpty();
    assertThat(yml).doesNotContain("sass:").doesNotContain("scss");
  }

  @Test
  void theNextStepsRegisterTheAppBeforeTheTagIsPushedAndBuilt() throws Exception {
    // a newcomer following them must not meet "app not found" or a tag the service cannot fetch
    Path root = tmp.resolve("shop");
    write(root, "index.html", "<p>hi</p>\n");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream was = System.out;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      init(root);
    } finally {
      System.setOut(was);
    }
    String steps = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    // registered (watched) before the tag is pushed: the push is what builds it (issue 26)
    assertThat(steps.lines().toList())
        .containsExactly(
            "wrote " + root.resolve("tarmac.yml") + " for app shop; edit its hosts, then:",
            "  tarmac check --build      # the build, from this working copy",
            "  tarmac apps add shop <repository URL>   # once (admin): the service watches it for"
                + " new tags",
            "  git add tarmac.yml && git commit -m 'tarmac.yml' && git tag v0.1.0",
            "  git push origin HEAD v0.1.0   # a new tag: the service builds it by itself",
            "  tarmac build shop v0.1.0   # waits for the tag's build",
            // registered from that build before the first release: the API refuses import
            // without --from, and a release to an environment not registered
            "  tarmac env import shop staging --from v0.1.0   # once (admin): where staging runs,"
                + " from that build",
            "  tarmac release shop v0.1.0 --env staging");
  }
}
