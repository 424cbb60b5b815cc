package dev.tarmac.deploy.store;

import dev.tarmac.deploy.config.ConfigReader;
import dev.tarmac.deploy.config.TarmacConfig;
import dev.tarmac.distributor.model.BuildRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tarmac.yml} a build carries, parsed once (docs/architecture.md, "The store's domain
 * layer"): a build record is written once, so its text never changes; the last {@link
 * #DEFAULT_SIZE} parsed are kept, least recently used dropped first. Keyed by app, version and the
 * text itself, so a version removed and built again with another {@code tarmac.yml} is parsed
 * again.
 */
public final class BuildConfigs {
  public static final int DEFAULT_SIZE = 64;

  private static final BuildConfigs SHARED = new BuildConfigs(DEFAULT_SIZE);

  private record Key(String app, String version, String text) {}

  private final int size;
  private final Map<Key, TarmacConfig> parsed;
  private long parses;

  public BuildConfigs(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("a cache of configs holds at least 1, not " + size);
    }
    this.size = size;
    this.parsed =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, TarmacConfig> eldest) {
            return size() > BuildConfigs.this.size;
          }
        };
  }

  /** The one cache of the process (what {@link Builds} and the service's retention share). */
  public static BuildConfigs shared() {
    return SHARED;
  }

  /**
   * The build's {@code tarmac.yml}, parsed at most once while it stays among the last ones used.
   *
   * @throws dev.tarmac.deploy.config.ConfigException naming {@code tarmac.yml at <version>} and the
   *     line when it does not parse (never cached)
   */
  public TarmacConfig of(BuildRecord build) {
    Key key = new Key(build.app(), build.version(), build.config());
    synchronized (parsed) {
      TarmacConfig known = parsed.get(key);
      if (known != null) {
        return known;
      }
    }
    TarmacConfig config = ConfigReader.read(build.config(), "tarmac.yml at " + build.version());
    synchronized (parsed) {
      parses++;
      parsed.putIfAbsent(key, config);
      return parsed.get(key);
    }
  }

  /**
   * Keeps {@code config}, parsed from {@code build}'s text by whoever made the build (the build
   * pipeline's read config step), so that the releases and the retention after it parse nothing.
   */
  public void remember(BuildRecord build, TarmacConfig config) {
    synchronized (parsed) {
      parsed.putIfAbsent(new Key(build.app(), build.version(), build.config()), config);
    }
  }

  /** How many times a text was parsed (not found here). */
  public long parses() {
    synchronized (parsed) {
      return parses;
    }
  }

  /** How many are kept now. */
  public int cached() {
    synchronized (parsed) {
      return parsed.size();
    }
  }
}
