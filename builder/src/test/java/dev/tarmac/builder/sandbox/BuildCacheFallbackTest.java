package dev.tarmac.builder.sandbox;

/**
 * The build cache where bubblewrap is not used ({@code tarmac.build.isolation=user}): the build
 * walks the real file system as its own uid, so what it leaves in its cache (hard links, links,
 * FIFOs) must be refused or not followed all the same.
 */
class BuildCacheFallbackTest extends BuildCacheTest {
  @Override
  BuildSandbox.Settings sandbox() {
    return BuildSandbox.Settings.defaults().withIsolation(BuildSandbox.Isolation.USER);
  }
}
