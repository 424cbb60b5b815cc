package dev.tarmac.distributor.model;

import java.util.Locale;
import java.util.Map;

/**
 * Fingerprinted static files in the store, under {@code cdn/<app>/<hashed path>}: the CDN's origin
 * (S3) or served by the service at {@code GET /cdn/<app>/<path>} (embedded store). A hashed name
 * never changes content, so each is written once (create-if-absent) and cached for a year
 * (docs/cdn-and-caches.md).
 */
public final class CdnAssets {
  public static final String CACHE_CONTROL = "public, max-age=31536000, immutable";

  private static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("css", "text/css; charset=utf-8"),
          Map.entry("js", "text/javascript; charset=utf-8"),
          Map.entry("mjs", "text/javascript; charset=utf-8"),
          Map.entry("map", "application/json"),
          Map.entry("json", "application/json"),
          Map.entry("html", "text/html; charset=utf-8"),
          Map.entry("txt", "text/plain; charset=utf-8"),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("jpeg", "image/jpeg"),
          Map.entry("gif", "image/gif"),
          Map.entry("webp", "image/webp"),
          Map.entry("avif", "image/avif"),
          Map.entry("ico", "image/vnd.microsoft.icon"),
          Map.entry("woff", "font/woff"),
          Map.entry("woff2", "font/woff2"),
          Map.entry("ttf", "font/ttf"),
          Map.entry("otf", "font/otf"),
          Map.entry("eot", "application/vnd.ms-fontobject"),
          Map.entry("wasm", "application/wasm"),
          Map.entry("mp4", "video/mp4"),
          Map.entry("webm", "video/webm"),
          Map.entry("pdf", "application/pdf"));

  private CdnAssets() {}

  public static String prefix(String app) {
    return "cdn/" + Names.app(app) + "/";
  }

  /** The store key of a hashed path (relative to the fingerprint root). */
  public static String key(String app, String hashedPath) {
    return prefix(app) + hashedPath;
  }

  /**
   * The {@code Content-Type} of a file, by its extension; unknown: {@code
   * application/octet-stream}.
   */
  public static String contentType(String name) {
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    return TYPES.getOrDefault(ext, "application/octet-stream");
  }

  /** The headers an asset is stored (S3) or served (embedded store) with. */
  public static Map<String, String> headers(String name) {
    return Map.of("Content-Type", contentType(name), "Cache-Control", CACHE_CONTROL);
  }
}
