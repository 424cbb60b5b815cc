package dev.tarmac.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description =
        "Write a commented tarmac.yml fitted to the app in this directory: its name, its build"
            + " (package.json, composer.json, requirements.txt, Sass entry points that exist,"
            + " .browserslistrc), the folders that exist to exclude. Then edit the hosts.",
    footer = {"", "Example:", "  cd ~/src/shop && tarmac init && tarmac check --build"})
public final class InitCommand implements Callable<Integer> {
  @Option(names = "--dir", defaultValue = ".", description = "the app's repository (default: .)")
  Path dir;

  @Option(names = "--app", description = "the app's name (default: the directory's name)")
  String app;

  @Option(names = "--force", description = "replace an existing tarmac.yml")
  boolean force;

  private static final Set<String> NOT_SOURCES =
      Set.of("node_modules", "vendor", ".git", "target", "dist", "build", "_site", "tests", "test");

  @Override
  public Integer call() throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    Path file = root.resolve("tarmac.yml");
    if (Files.exists(file) && !force) {
      throw new CliException(
          CliException.CONFIG, file + " exists; edit it, or pass --force to replace it");
    }
    String name =
        app != null
            ? app
            : root.getFileName().toString().toLowerCase().replaceAll("[^a-z0-9-]+", "-");
    if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
      throw new CliException(
          CliException.USAGE,
          "'" + name + "' cannot be an app name (a-z, 0-9, -); pass --app <name>");
    }
    Files.writeString(file, template(root, name));
    System.out.println("wrote " + file + " for app " + name + "; edit its hosts, then:");
    System.out.println("  tarmac check --build      # the build, from this working copy");
    System.out.println(
        "  tarmac apps add "
            + name
            + " <repository URL>   # once (admin): the service watches it for new tags");
    System.out.println("  git add tarmac.yml && git commit -m 'tarmac.yml' && git tag v0.1.0");
    System.out.println(
        "  git push origin HEAD v0.1.0   # a new tag: the service builds it by itself");
    System.out.println("  tarmac build " + name + " v0.1.0   # waits for the tag's build");
    // the service refuses a release to an environment it has not registered, and registers one
    // only from a named build (docs/environments.md, "Registering an environment")
    System.out.println(
        "  tarmac env import "
            + name
            + " staging --from v0.1.0   # once (admin): where staging runs, from that build");
    System.out.println("  tarmac release " + name + " v0.1.0 --env staging");
    return 0;
  }

  /** The tarmac.yml for the repository at {@code root}: only what fits what is there. */
  static String template(Path root, String name) throws IOException {
    StringBuilder y = new StringBuilder();
    y.append("# tarmac.yml for ")
        .append(name)
        .append(" — written by `tarmac init` from what the\n");
    y.append("# repository holds. Read at the tag being built. Reference: docs/tarmac-yml.md\n");
    y.append("app: ")
        .append(name)
        .append("   # the app's name, as registered with the service\n\n");
    y.append("build:\n");

    List<String> commands = new ArrayList<>();
    List<String> exclude = new ArrayList<>();
    boolean npm = Files.isRegularFile(root.resolve("package.json"));
    if (npm) {
      JsonNode pkg = readJson(root.resolve("package.json"));
      boolean lock = Files.isRegularFile(root.resolve("package-lock.json"));
      commands.add(lock ? "npm ci" : "npm install");
      if (pkg.path("scripts").has("build")) {
        commands.add("npm run build");
      }
      exclude.add("node_modules");
    }
    if (Files.isRegularFile(root.resolve("composer.json"))) {
      commands.add("composer install --no-dev --optimize-autoloader --no-interaction");
    }
    if (Files.isRegularFile(root.resolve("requirements.txt"))) {
      commands.add("pip install --target vendor/python -r requirements.txt");
    }
    y.append(
        "  # The app's own build commands, first, `sh -c` in the checked-out tree, in order.\n");
    y.append("  commands: ").append(list(commands)).append("\n");
    if (npm) {
      // npm's download cache kept from one build of the app to the next (the key: the lock file)
      y.append(
          "  # Kept from one build to the next, as CI caches are. Faster still: npm install\n");
      y.append(
          "  # --prefer-offline with [~/.npm, node_modules] (docs/tarmac-yml.md, the build cache).\n");
      y.append("  cache: [~/.npm]\n");
    }

    List<String> entries = sassEntries(root);
    List<String> loadPaths = new ArrayList<>();
    if (Files.isDirectory(root.resolve("_sass"))) {
      loadPaths.add("_sass");
    }
    if (npm) {
      loadPaths.add("node_modules");
    }
    Path publicDir =
        Stream.of("public", "static", "web")
            .map(root::resolve)
            .filter(Files::isDirectory)
            .findFirst()
            .orElse(null);
    List<String> cssOut = new ArrayList<>();
    if (!entries.isEmpty()) {
      y.append("  # Dart Sass, after the commands: each entry compiles one stylesheet.\n");
      y.append("  # @use/@import also look in load_paths. .scss/.sass files never ship.\n");
      y.append("  sass:\n");
      for (String from : entries) {
        String base = Path.of(from).getFileName().toString().replaceAll("\\.s[ac]ss$", "");
        String to =
            publicDir != null
                ? root.relativize(publicDir).toString() + "/css/" + base + ".css"
                : from.replaceAll("\\.s[ac]ss$", ".css");
        cssOut.add(to);
        y.append("    - { from: ").append(from).append(", to: ").append(to);
        if (!loadPaths.isEmpty()) {
          y.append(", load_paths: ").append(list(loadPaths));
        }
        y.append(" }\n");
      }
    }
    List<String> minify = new ArrayList<>();
    for (String d : List.of("public", "static", "web", "assets")) {
      if (contains(root.resolve(d), ".js")) {
        minify.add(d + "/**/*.js");
      }
      String prefix = d + "/";
      if (contains(root.resolve(d), ".css")
          || cssOut.stream().anyMatch(c -> c.startsWith(prefix))) {
        minify.add(d + "/**/*.css");
      }
    }
    if (!minify.isEmpty()) {
      y.append("  # esbuild --minify, in place, after Sass. ");
      y.append(
          Files.isRegularFile(root.resolve(".browserslistrc"))
              ? "Browser targets come from .browserslistrc.\n"
              : "No browserslist here: each file keeps its syntax\n"
                  + "  # level; set minify_target (e.g. \"chrome58,safari10\") to choose.\n");
      y.append("  minify: ").append(list(minify)).append("\n");
    }
    y.append("  timeout: 10m   # how long each build command may run\n");
    for (String d : List.of("tests", "test", "spec", "__tests__", ".github")) {
      if (Files.isDirectory(root.resolve(d))) {
        exclude.add(d);
      }
    }
    y.append("  # Paths left out of the artifact (.git never ships).\n");
    y.append("  exclude: ").append(list(exclude)).append("\n\n");

    y.append("release:\n");
    y.append("  keep: 5   # releases kept on each host\n");
    y.append(
        "  keep_builds: 20   # builds kept in the store (live ones and rollback targets too)\n");
    y.append("  # Paths kept across releases, linked from shared/ (uploads, .env).\n");
    y.append("  shared: []\n");
    y.append("  hooks:\n");
    y.append("    prepare: []   # in the new release on every host, while the old one serves\n");
    y.append("    migrate: []   # once, on the first host with the db role\n");
    y.append("    activate: []  # after the switch, e.g. [\"sudo systemctl reload ")
        .append(name)
        .append("\"]\n\n");

    y.append("environments:\n");
    y.append("  staging:\n");
    y.append("    deploy_to: /srv/").append(name).append("   # the release layout on the hosts\n");
    y.append("    # address: local releases on this machine, without SSH; edit for real hosts\n");
    y.append("    hosts: [{ name: stage1, address: local, roles: [web, db] }]\n");
    return y.toString();
  }

  /** Sass entry points: .scss/.sass files whose name does not start with _, outside deps. */
  static List<String> sassEntries(Path root) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().matches("[^_].*\\.s[ac]ss"))
          .map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(rel -> Stream.of(rel.split("/")).noneMatch(NOT_SOURCES::contains))
          .filter(rel -> !rel.startsWith("_sass/"))
          .sorted()
          .forEach(out::add);
    }
    return out;
  }

  private static boolean contains(Path d, String suffix) throws IOException {
    if (!Files.isDirectory(d)) {
      return false;
    }
    try (Stream<Path> walk = Files.walk(d)) {
      return walk.anyMatch(p -> p.getFileName().toString().endsWith(suffix));
    }
  }

  private static JsonNode readJson(Path file) {
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new CliException(
          CliException.CONFIG, file + " is not valid JSON (" + e.getMessage() + "); fix it first");
    }
  }

  private static String list(List<String> items) {
    List<String> quoted = new ArrayList<>();
    for (String s : items) {
      quoted.add(s.matches("[A-Za-z0-9_./-]+") && !s.contains("*") ? s : "\"" + s + "\"");
    }
    return "[" + String.join(", ", quoted) + "]";
  }
}
