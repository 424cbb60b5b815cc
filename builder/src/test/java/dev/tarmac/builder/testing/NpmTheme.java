package dev.tarmac.builder.testing;

/**
 * The npm-based front-end theme of issue 11, as real projects ship one: a tiny Sass library as a
 * package ({@code packages/mini-bootstrap}, installed into {@code node_modules} by {@code npm ci}),
 * a theme that {@code @use}s it from there, ES5 JavaScript and a browserslist asking for IE 11.
 * {@code FrontendBuildTest} builds it offline with Tarmac's Sass; the build benchmark builds it
 * cold with its own script compiling the Sass ({@code sass} from the registry, the lock file
 * committed without registry addresses).
 */
public final class NpmTheme {
  public static final String BROWSERSLIST = "[\"IE 11\", \"Safari >= 10\", \"iOS >= 10\"]";

  private NpmTheme() {}

  /** The theme's sources, without package.json, its lock file and tarmac.yml. */
  public static void writeSources(SampleRepo repo) throws Exception {
    repo.write(
        "packages/mini-bootstrap/package.json",
        "{\"name\": \"mini-bootstrap\", \"version\": \"1.0.0\", \"license\": \"MIT\"}\n");
    repo.write(
        "packages/mini-bootstrap/scss/_bootstrap.scss",
        "$primary: #0d6efd !default;\n"
            + ".modal-backdrop { position: fixed; top: 0; right: 0; bottom: 0; left: 0;"
            + " background: rgba(0, 0, 0, 0.5); }\n"
            + ".btn-primary { background: $primary; }\n");
    repo.write(
        "src/scss/theme.scss",
        "@use \"mini-bootstrap/scss/bootstrap\" with ($primary: #198754);\n"
            + ".brand::before { content: \"→\"; }\n");
    repo.write(
        "public/js/site.js",
        "var site = { name: name };\ntry { site.ok = true; } catch (e) { }\n"
            + "window.site = site;\n");
  }
}
