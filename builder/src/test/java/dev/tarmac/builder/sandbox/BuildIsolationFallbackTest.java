package dev.tarmac.builder.sandbox;

import dev.tarmac.builder.pipeline.Builder;
import java.time.Clock;

/**
 * The same hostile commands where bubblewrap is not used ({@code tarmac.build.isolation=user}, as
 * on a root host without bubblewrap): the build user, a clean environment, a process group. What
 * only namespaces give (the service's process out of sight, processes that leave their session) is
 * not claimed here, as docs/architecture.md says.
 */
class BuildIsolationFallbackTest extends BuildIsolationTest {
  @Override
  Builder builder() {
    return new Builder(
        store,
        dataDir,
        Clock.systemUTC(),
        BuildSandbox.Settings.defaults().withIsolation(BuildSandbox.Isolation.USER));
  }

  @Override
  BuildSandbox.Isolation isolation() {
    return BuildSandbox.Isolation.USER;
  }

  @Override
  boolean namespaces() {
    return false;
  }

  @Override
  String expectedIsolation() {
    return "isolation: setpriv (tarmac.build.isolation=user), as a uid of its own per build"
        + " (tarmac.build.uids 700000-700255), no namespaces";
  }
}
