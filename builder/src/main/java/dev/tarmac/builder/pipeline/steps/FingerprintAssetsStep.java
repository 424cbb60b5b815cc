package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.workspace.BuildException;
import dev.tarmac.builder.workspace.BuildLog;
import dev.tarmac.builder.workspace.Deadline;
import dev.tarmac.builder.workspace.Globs;
import dev.tarmac.builder.workspace.TreeFiles;
import dev.tarmac.deploy.config.TarmacConfig.Fingerprint;
import dev.tarmac.distributor.model.Json;
import dev.tarmac.distributor.store.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code build.fingerprint}: every file under {@code root} that {@code include} matches gets a copy
 * named by its content ({@code css/app.css} → {@code css/app.0123456789ab.css}: the first 12 hex
 * digits of its SHA-256, as Django's {@code ManifestStaticFilesStorage}); inside CSS, {@code url()}
 * and {@code @import} references to such files are rewritten to the hashed names in the copy (the
 * original stays as it was), so a stylesheet's hash covers the hashes of what it references. With
 * {@code rewrite_html}, {@code src}/{@code href} in the {@code .html} files under the root are
 * rewritten in place. {@code <root>/tarmac-assets.json} maps each logical path to its hashed one
 * (both relative to the root), plus the CDN base URL when {@code release.cdn} is set. Everything is
 * sorted and nothing depends on time: one commit gives the same names and bytes
 * (docs/architecture.md, "The build"; docs/cdn-and-caches.md).
 */
public final class FingerprintAssetsStep implements BuildStep<FingerprintAssetsStep.Fingerprinted> {
  /** What the step wrote: logical → hashed paths (relative to the root), rewritten files. */
  public record Fingerprinted(Map<String, String> paths, int cssRewritten, int htmlRewritten) {}

  static final int HASH_DIGITS = 12;

  /** {@code url(x)}, {@code url('x')}, {@code url("x")} and {@code @import 'x'}/{@code "x"}. */
  private static final Pattern CSS_REFERENCE =
      Pattern.compile(
          "url\\(\\s*(?:\"(?<dq>[^\"]*)\"|'(?<sq>[^']*)'|(?<bare>[^)'\"\\s]*))\\s*\\)"
              + "|@import\\s+(?:\"(?<idq>[^\"]*)\"|'(?<isq>[^']*)')");

  private static final Pattern HTML_REFERENCE =
      Pattern.compile("(?i)\\s(?:src|href)\\s*=\\s*(?:\"(?<dq>[^\"]*)\"|'(?<sq>[^']*)')");

  private static final List<String> CSS_GROUPS = List.of("dq", "sq", "bare", "idq", "isq");
  private static final List<String> HTML_GROUPS = List.of("dq", "sq");

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

  private final Path tree;
  private final Optional<Fingerprint> config;
  private final Globs exclude;
  private final Optional<String> cdnUrl;
  private final BuildLog log;
  private Deadline deadline = Deadline.NONE;

  /** Ends the step at {@code deadline} (the build's), checked at every path it lists. */
  public FingerprintAssetsStep ending(Deadline deadline) {
    this.deadline = deadline;
    return this;
  }

  /**
   * @param exclude {@code build.exclude}: a file the next step removes gets no hashed copy
   * @param cdnUrl {@code release.cdn.url}, written into the manifest as {@code cdn}
   */
  public FingerprintAssetsStep(
      Path tree,
      Optional<Fingerprint> config,
      List<String> exclude,
      Optional<String> cdnUrl,
      BuildLog log) {
    this.tree = tree;
    this.config = config;
    this.exclude = new Globs(exclude);
    this.cdnUrl = cdnUrl;
    this.log = log;
  }

  @Override
  public Fingerprinted run() throws IOException {
    if (config.isEmpty()) {
      return new Fingerprinted(Map.of(), 0, 0);
    }
    Fingerprint fp = config.get();
    Path root = tree.resolve(fp.root()).normalize();
    if (!root.startsWith(tree)
        || !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)
        || !TreeFiles.reallyInside(tree, root)) {
      throw new BuildException(
          "fingerprint: build.fingerprint.root '"
              + fp.root()
              + "' is not a directory of the tree after the build commands; name the directory"
              + " your web server serves (e.g. public)");
    }
    Globs include = new Globs(fp.include());
    Map<String, byte[]> sources = new TreeMap<>();
    for (Path p : TreeFiles.matching(root, include, deadline, "fingerprint")) {
      String logical = TreeFiles.relative(root, p);
      String name = p.getFileName().toString();
      if (logical.equals(Fingerprint.MANIFEST)
          || name.endsWith(".scss")
          || name.endsWith(".sass")
          || exclude.matches(TreeFiles.relative(tree, p))) {
        continue;
      }
      sources.put(logical, Files.readAllBytes(p));
    }
    if (sources.isEmpty()) {
      log.line(
          "fingerprint: WARNING: build.fingerprint.include "
              + fp.include()
              + " matches no file under "
              + fp.root());
    }
    Hasher hasher = new Hasher(sources);
    Map<String, String> paths = new TreeMap<>();
    for (String logical : sources.keySet()) {
      paths.put(logical, hasher.hashed(logical));
    }
    for (Map.Entry<String, String> e : paths.entrySet()) {
      Path copy = root.resolve(e.getValue());
      // a build may have planted a link at the (predictable) hashed name: never written through
      TreeFiles.writeInTree(tree, copy, hasher.content(e.getKey()), "fingerprint", made -> {});
    }
    int html = fp.rewriteHtml() ? rewriteHtml(root, paths) : 0;
    Map<String, Object> manifest = new LinkedHashMap<>();
    cdnUrl.ifPresent(url -> manifest.put("cdn", url));
    manifest.put("paths", paths);
    manifest.put("version", 1);
    byte[] json = Json.write(manifest);
    TreeFiles.writeInTree(
        tree, root.resolve(Fingerprint.MANIFEST), appendNewline(json), "fingerprint", made -> {});
    log.line(
        "fingerprint: "
            + paths.size()
            + " files under "
            + fp.root()
            + ", "
            + hasher.cssRewritten
            + " stylesheets rewritten"
            + (fp.rewriteHtml() ? ", " + html + " HTML files rewritten" : "")
            + "; manifest "
            + fp.root()
            + "/"
            + Fingerprint.MANIFEST);
    return new Fingerprinted(paths, hasher.cssRewritten, html);
  }

  private static byte[] appendNewline(byte[] json) {
    byte[] out = java.util.Arrays.copyOf(json, json.length + 1);
    out[json.length] = '\n';
    return out;
  }

  /** Hashes files, stylesheets after what they reference; a reference cycle is an error. */
  private final class Hasher {
    private final Map<String, byte[]> sources;
    private final Map<String, byte[]> contents = new LinkedHashMap<>();
    private final Map<String, String> hashed = new LinkedHashMap<>();
    private final Set<String> visiting = new LinkedHashSet<>();
    int cssRewritten;

    Hasher(Map<String, byte[]> sources) {
      this.sources = sources;
    }

    byte[] content(String logical) {
      hashed(logical);
      return contents.get(logical);
    }

    String hashed(String logical) {
      String done = hashed.get(logical);
      if (done != null) {
        return done;
      }
      byte[] bytes = sources.get(logical);
      if (logical.endsWith(".css")) {
        if (!visiting.add(logical)) {
          throw new BuildException(
              "fingerprint: stylesheets reference each other in a cycle: "
                  + String.join(" -> ", visiting)
                  + " -> "
                  + logical
                  + "; a hashed name cannot depend on itself, so break the cycle (or leave one"
                  + " of them out of build.fingerprint.include)");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String rewritten =
            rewrite(
                text,
                CSS_REFERENCE,
                logical,
                target -> sources.containsKey(target) ? hashed(target) : null);
        visiting.remove(logical);
        if (!rewritten.equals(text)) {
          bytes = rewritten.getBytes(StandardCharsets.UTF_8);
          cssRewritten++;
        }
      }
      String name = hashedName(logical, Hashing.sha256Hex(bytes).substring(0, HASH_DIGITS));
      contents.put(logical, bytes);
      hashed.put(logical, name);
      return name;
    }
  }

  /** {@code css/app.css} → {@code css/app.<hash>.css}; {@code LICENSE} → {@code LICENSE.<hash>}. */
  static String hashedName(String logical, String hash) {
    int slash = logical.lastIndexOf('/');
    int dot = logical.lastIndexOf('.');
    if (dot <= slash + 1) {
      return logical + "." + hash;
    }
    return logical.substring(0, dot) + "." + hash + logical.substring(dot);
  }

  private int rewriteHtml(Path root, Map<String, String> paths) throws IOException {
    int count = 0;
    for (Path page :
        TreeFiles.matching(root, new Globs(List.of("*.html", "*.htm")), deadline, "fingerprint")) {
      String logical = TreeFiles.relative(root, page);
      String text = Files.readString(page, StandardCharsets.UTF_8);
      String rewritten = rewrite(text, HTML_REFERENCE, logical, paths::get);
      if (!rewritten.equals(text)) {
        Files.writeString(page, rewritten, StandardCharsets.UTF_8);
        count++;
      }
    }
    return count;
  }

  /**
   * Replaces each reference {@code pattern} finds in {@code text} (of the file {@code from},
   * relative to the root) whose target {@code lookup} knows by its hashed name, keeping the
   * reference's own directory part, query string and fragment. {@code data:}, URLs with a scheme,
   * {@code //host/…} and references that lead outside the root are left alone.
   */
  private String rewrite(
      String text, Pattern pattern, String from, Function<String, String> lookup) {
    Matcher m = pattern.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = null;
      String group = null;
      for (String g : pattern == CSS_REFERENCE ? CSS_GROUPS : HTML_GROUPS) {
        if (m.group(g) != null) {
          value = m.group(g);
          group = g;
          break;
        }
      }
      String replacement = value == null ? null : replace(value, from, lookup);
      if (replacement == null) {
        m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
        continue;
      }
      String whole = m.group();
      int start = m.start(group) - m.start();
      int end = m.end(group) - m.start();
      m.appendReplacement(
          out,
          Matcher.quoteReplacement(whole.substring(0, start) + replacement + whole.substring(end)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The reference with its file name hashed, or null to leave it as it is. */
  static String replace(String reference, String from, Function<String, String> lookup) {
    if (reference.isEmpty()
        || reference.startsWith("#")
        || reference.startsWith("//")
        || SCHEME.matcher(reference).find()) {
      return null;
    }
    int cut = reference.length();
    for (char c : new char[] {'?', '#'}) {
      int i = reference.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    String path = reference.substring(0, cut);
    String suffix = reference.substring(cut);
    if (path.isEmpty() || path.endsWith("/")) {
      return null;
    }
    String target = resolve(from, path);
    String hashed = target == null ? null : lookup.apply(target);
    if (hashed == null) {
      return null;
    }
    int slash = path.lastIndexOf('/');
    return path.substring(0, slash + 1) + hashed.substring(hashed.lastIndexOf('/') + 1) + suffix;
  }

  /** {@code path} as seen from the file {@code from} (both relative to the root), or null. */
  static String resolve(String from, String path) {
    List<String> parts = new ArrayList<>();
    if (!path.startsWith("/")) {
      String[] dir = from.split("/");
      for (int i = 0; i < dir.length - 1; i++) {
        parts.add(dir[i]);
      }
    }
    for (String segment : path.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.remove(parts.size() - 1);
      } else {
        parts.add(segment);
      }
    }
    return parts.isEmpty() ? null : String.join("/", parts);
  }
}
