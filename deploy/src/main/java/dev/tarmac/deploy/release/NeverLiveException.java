package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;
import java.util.List;

/** {@code rollback --to} a version that was never live in the environment (the service's 404). */
public class NeverLiveException extends DeployException {
  public NeverLiveException(String message) {
    super(message);
  }

  /**
   * The refusal of a rollback to a version that was never built (docs/cli.md, "Releases"): it was
   * never live either, so it names the versions that were.
   */
  public static NeverLiveException neverBuilt(
      String app, String env, String version, List<ReleaseRecord> past) {
    return new NeverLiveException(
        version
            + " was never built for "
            + app
            + " (so never live in "
            + app
            + "/"
            + env
            + "); "
            + Rollback.goesBackTo(app, env, Rollback.wereLive(past))
            + "; nothing was changed");
  }
}
