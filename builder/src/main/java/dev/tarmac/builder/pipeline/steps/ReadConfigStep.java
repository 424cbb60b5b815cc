package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and validates {@code tarmac.yml} at the tag; its {@code app} must be the app being built.
 */
public final class ReadConfigStep implements BuildStep<ReadConfigStep.Config> {
  public record Config(TarmacConfig config, String text) {}

  private final Path tree;
  private final String app;
  private final String tag;

  public ReadConfigStep(Path tree, String app, String tag) {
    this.tree = tree;
    this.app = app;
    this.tag = tag;
  }

  @Override
  public Config run() throws Exception {
    Path file = tree.resolve("tarmac.yml");
    if (!Files.isRegularFile(file)) {
      throw new BuildException(
          "there is no tarmac.yml at the root of the repository at tag "
              + tag
              + "; add one (`tarmac init` writes a commented example), commit, tag again");
    }
    String text = Files.readString(file);
    TarmacConfig config = ConfigReader.read(text, "tarmac.yml at " + tag);
    if (!app.equals(config.app())) {
      throw new BuildException(
          "tarmac.yml at "
              + tag
              + " says app: "
              + config.app()
              + ", but this build is for app "
              + app
              + "; make them the same");
    }
    return new Config(config, text);
  }
}
