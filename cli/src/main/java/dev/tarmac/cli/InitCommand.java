package dev.tarmac.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description =
        "Write a commented tarmac.yml for the app in this directory (every key explained; edit the"
            + " hosts and hooks).",
    footer = {"", "Example:", "  cd ~/src/shop && tarmac init"})
public final class InitCommand implements Callable<Integer> {
  @Option(names = "--dir", defaultValue = ".", description = "the app's repository (default: .)")
  Path dir;

  @Option(names = "--app", description = "the app's name (default: the directory's name)")
  String app;

  @Option(names = "--force", description = "replace an existing tarmac.yml")
  boolean force;

  @Override
  public Integer call() throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    Path file = root.resolve("tarmac.yml");
    if (Files.exists(file) && !force) {
      throw new CliException(
          CliException.CONFIG, file + " exists; edit it, or pass --force to replace it");
    }
    String name = app != null ? app : root.getFileName().toString().toLowerCase();
    if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
      throw new CliException(
          CliException.USAGE,
          "'" + name + "' cannot be an app name (a-z, 0-9, -); pass --app <name>");
    }
    String template;
    try (InputStream in = InitCommand.class.getResourceAsStream("tarmac.yml")) {
      template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Files.writeString(
        file,
        template
            .replace("app: shop", "app: " + name)
            .replace("/srv/shop", "/srv/" + name)
            .replace(" shop ", " " + name + " "));
    System.out.println("wrote " + file + " for app " + name + "; edit its hosts and hooks, then:");
    System.out.println("  git add tarmac.yml && git commit -m 'tarmac.yml' && git tag v0.1.0");
    System.out.println(
        "  tarmac build " + name + " v0.1.0 && tarmac release " + name + " v0.1.0 --env staging");
    return 0;
  }
}
