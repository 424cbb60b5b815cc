package dev.tarmac.deploy.release;

import java.util.List;
import java.util.Map;

/**
 * What a release would do, read from every host and changing nothing ({@code tarmac release …
 * --plan}): per host what it serves, what it would receive (the release is {@code present} already,
 * a {@code delta} from the release it serves, or the {@code full} artifact, with bytes when known),
 * which hooks would run there, and which old releases the clean-up would remove.
 *
 * @param migrateHost the host the migration would run on (null: no migration)
 */
public record ReleasePreview(
    String app,
    String env,
    String version,
    String live,
    String migrateHost,
    List<HostPreview> hosts,
    List<String> warnings,
    ConfigPlan config) {

  public ReleasePreview {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  public ReleasePreview(
      String app,
      String env,
      String version,
      String live,
      String migrateHost,
      List<HostPreview> hosts) {
    this(app, env, version, live, migrateHost, hosts, List.of(), null);
  }

  /** The same plan with {@code more} warnings (docs/environments.md). */
  public ReleasePreview withWarnings(List<String> more) {
    List<String> all = new java.util.ArrayList<>(warnings);
    all.addAll(more);
    return new ReleasePreview(app, env, version, live, migrateHost, hosts, all, config);
  }

  /**
   * The configuration the release would render (docs/configuration-and-secrets.md): its revisions,
   * the names whose value differs from what the live release rendered (added, changed, removed —
   * never a value), and the names {@code config.required} lists that are not set (the release would
   * be refused).
   */
  public record ConfigPlan(long app, long env, List<String> changed, List<String> missing) {}

  public ReleasePreview withConfig(ConfigPlan plan) {
    return new ReleasePreview(app, env, version, live, migrateHost, hosts, warnings, plan);
  }

  /**
   * One host. {@code bytes} is null when a delta has not been made yet (it is made at release);
   * {@code problem} says why this host could not be read (the release would fail there).
   */
  public record HostPreview(
      String name,
      List<String> roles,
      String serves,
      String transfer,
      String from,
      Long bytes,
      Map<String, List<String>> hooks,
      List<String> removes,
      String problem) {}
}
