package dev.tarmac.builder.bench;

import dev.tarmac.builder.pipeline.BuildRequest;
import dev.tarmac.builder.pipeline.BuildResult;
import dev.tarmac.builder.pipeline.Builder;
import dev.tarmac.builder.pipeline.StepTiming;
import dev.tarmac.builder.pipeline.steps.PackTarballStep;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * The build benchmark (run it with {@code builder/bench/build-benchmark}): a generated app of about
 * 2,000 files / 50 MB is built cold, then rebuilt; then the pack step is timed against {@code tar
 * czf} of the same tree. Writes its figures into docs/benchmarks.md.
 */
public final class BuildBenchmark {
  private static final String[] WORDS =
      ("function return const let var if else for while order customer price total cart item render "
              + "update value list map filter reduce request response header body status error message "
              + "user session token page view model controller template style color margin padding")
          .split(" ");

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md").toAbsolutePath();
    String machine = BenchSetup.machine();
    Path root = Path.of("target/bench-build").toAbsolutePath();
    TreeFiles.deleteRecursively(root);
    Files.createDirectories(root);
    Path repo = root.resolve("repo");
    long[] generated = generate(repo, new Random(42));
    System.out.printf(
        "generated %d files, %.1f MB in %s%n", generated[0], generated[1] / 1e6, repo);

    FsArtifactStore store = BenchSetup.store(root.resolve("store"));
    Builder builder = new Builder(store, root.resolve("data"), Clock.systemUTC());
    BuildRequest request =
        new BuildRequest("bench", repo.toUri().toString(), "v1.0.0", Instant.now());

    long t0 = System.nanoTime();
    BuildResult cold = builder.build(request, root.resolve("cold.log"));
    double coldSeconds = (System.nanoTime() - t0) / 1e9;
    long t1 = System.nanoTime();
    BuildResult rebuild = builder.build(request, root.resolve("rebuild.log"));
    double rebuildMillis = (System.nanoTime() - t1) / 1e6;

    // pack vs tar czf, same tree (the repository's files without .git), median of 3 each
    Path tree = root.resolve("tree");
    copyWithoutGit(repo, tree);
    List<Double> pack = new ArrayList<>();
    List<Double> tar = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long p = System.nanoTime();
      new PackTarballStep(tree, root.resolve("pack.tar.gz"), Instant.EPOCH).run();
      pack.add((System.nanoTime() - p) / 1e9);
      long q = System.nanoTime();
      Process process =
          new ProcessBuilder(
                  "tar", "czf", root.resolve("tar.tar.gz").toString(), "-C", tree.toString(), ".")
              .inheritIO()
              .start();
      if (process.waitFor() != 0) {
        throw new IllegalStateException("tar czf failed");
      }
      tar.add((System.nanoTime() - q) / 1e9);
    }
    double packMedian = median(pack);
    double tarMedian = median(tar);

    StringBuilder md = new StringBuilder();
    md.append("Generated app: ")
        .append(generated[0])
        .append(" files, ")
        .append(String.format("%.1f MB", generated[1] / 1e6))
        .append(" (text sources, SCSS, JS, CSS, binary images); ")
        .append("artifact ")
        .append(String.format("%.1f MB", cold.record().size() / 1e6))
        .append(", ")
        .append(cold.record().files())
        .append(" files. Machine: ")
        .append(machine)
        .append(".\n\n");
    md.append("| measure | result | target |\n|---|---|---|\n");
    md.append(String.format("| cold build (fetch → publish) | %.2f s | – |%n", coldSeconds));
    for (StepTiming s : cold.timings()) {
      md.append(
          String.format("| &nbsp;&nbsp;step %s | %.2f s | – |%n", s.step(), s.millis() / 1000.0));
    }
    md.append(
        String.format(
            "| rebuild of the same tag | %.1f ms, work done: %s | ≤ 1 s, no work |%n",
            rebuildMillis, rebuild.built() ? "yes" : "none"));
    md.append(String.format("| pack step (median of 3) | %.2f s | – |%n", packMedian));
    md.append(
        String.format("| `tar czf` of the same tree (median of 3) | %.2f s | – |%n", tarMedian));
    md.append(String.format("| pack / tar czf | %.2f× | ≤ 1.5× |%n", packMedian / tarMedian));
    System.out.println(md);
    dev.tarmac.distributor.testing.MarkdownSection.write(out, "build-benchmark", md.toString());
    System.out.println("written to " + out);
  }

  private static long[] generate(Path repo, Random random) throws Exception {
    Files.createDirectories(repo);
    long files = 0;
    long bytes = 0;
    StringBuilder yml =
        new StringBuilder(
            "app: bench\nbuild:\n  sass:\n    - { from: assets/scss/main.scss, to: public/css/main.css }\n"
                + "  minify: [\"public/js/**/*.js\", \"public/css/**/*.css\"]\n  commands: [\"mkdir -p vendor && echo ok > vendor/INSTALLED\"]\n"
                + "  exclude: [tests]\nenvironments:\n  bench: { deploy_to: /srv/bench, hosts: [{ name: a, address: local }] }\n");
    bytes += write(repo.resolve("tarmac.yml"), yml.toString());
    files++;
    StringBuilder main = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      bytes +=
          write(
              repo.resolve("assets/scss/_part" + i + ".scss"),
              "$c"
                  + i
                  + ": #"
                  + String.format("%06x", random.nextInt(0xffffff))
                  + ";\n.block"
                  + i
                  + " { color: $c"
                  + i
                  + "; margin: "
                  + i
                  + "px; .inner { padding: "
                  + i
                  + "px; } }\n");
      main.append("@import 'part").append(i).append("';\n");
      files++;
    }
    bytes += write(repo.resolve("assets/scss/main.scss"), main.toString());
    files++;
    for (int i = 0; i < 300; i++) {
      bytes +=
          write(
              repo.resolve("public/js/mod" + (i % 20) + "/file" + i + ".js"),
              code(random, 40 + random.nextInt(80), "js"));
      files++;
    }
    for (int i = 0; i < 100; i++) {
      bytes +=
          write(
              repo.resolve("public/css/theme" + (i % 10) + "/style" + i + ".css"),
              code(random, 40 + random.nextInt(60), "css"));
      files++;
    }
    for (int i = 0; i < 1100; i++) {
      bytes +=
          write(
              repo.resolve("app/pkg" + (i % 50) + "/module" + i + ".py"),
              code(random, 80 + random.nextInt(200), "py"));
      files++;
    }
    for (int i = 0; i < 150; i++) {
      bytes +=
          write(
              repo.resolve("templates/t" + (i % 15) + "/page" + i + ".html"),
              code(random, 60, "html"));
      files++;
    }
    long binaryTarget = 50_000_000L - bytes;
    int images = 300;
    for (int i = 0; i < images; i++) {
      byte[] image = new byte[(int) (binaryTarget / images)];
      random.nextBytes(image);
      Path p = repo.resolve("public/img/set" + (i % 10) + "/image" + i + ".png");
      Files.createDirectories(p.getParent());
      Files.write(p, image);
      bytes += image.length;
      files++;
    }
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      PersonIdent who =
          new PersonIdent(
              "Bench",
              "bench@tarmac.invalid",
              Instant.parse("2026-01-01T00:00:00Z"),
              ZoneOffset.UTC);
      git.add().addFilepattern(".").call();
      git.commit().setMessage("bench").setAuthor(who).setCommitter(who).setSign(false).call();
      git.tag().setName("v1.0.0").setMessage("v1.0.0").setTagger(who).setSigned(false).call();
    }
    return new long[] {files, bytes};
  }

  private static String code(Random random, int lines, String kind) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      String a = WORDS[random.nextInt(WORDS.length)];
      String b = WORDS[random.nextInt(WORDS.length)] + random.nextInt(1000);
      switch (kind) {
        case "js" ->
            sb.append("function ")
                .append(a)
                .append(i)
                .append("(")
                .append(b)
                .append(") {\n  // ")
                .append(a)
                .append(" the ")
                .append(b)
                .append("\n  return ")
                .append(b)
                .append(" + ")
                .append(random.nextInt(100))
                .append(";\n}\n");
        case "css" ->
            sb.append(".")
                .append(a)
                .append(i)
                .append(" {\n  margin: ")
                .append(random.nextInt(20))
                .append("px;\n  color: #")
                .append(String.format("%06x", random.nextInt(0xffffff)))
                .append(";\n}\n");
        case "html" ->
            sb.append("<div class=\"")
                .append(a)
                .append("\">")
                .append(b)
                .append(" ")
                .append(a)
                .append("</div>\n");
        default ->
            sb.append("def ")
                .append(a)
                .append("_")
                .append(i)
                .append("(")
                .append(b)
                .append("):\n    return ")
                .append(b)
                .append(" * ")
                .append(random.nextInt(100))
                .append("  # ")
                .append(a)
                .append("\n");
      }
    }
    return sb.toString();
  }

  private static long write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    Files.write(file, bytes);
    return bytes.length;
  }

  private static void copyWithoutGit(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        String rel = from.relativize(p).toString();
        if (rel.equals(".git") || rel.startsWith(".git/")) {
          continue;
        }
        Path target = to.resolve(rel);
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
