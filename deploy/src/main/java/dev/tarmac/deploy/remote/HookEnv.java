package dev.tarmac.deploy.remote;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code TARMAC_*} variables every hook sees (DESIGN.md): which app, version, environment and
 * host, and where the release, the layout and the shared directory are.
 */
public record HookEnv(String app, String version, String env, String host, String previousVersion) {

  public Map<String, String> variables(ReleaseLayout layout) {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("TARMAC_APP", app);
    vars.put("TARMAC_VERSION", version);
    vars.put("TARMAC_ENV", env);
    vars.put("TARMAC_HOST", host);
    vars.put("TARMAC_RELEASE_DIR", layout.release(version));
    vars.put("TARMAC_DEPLOY_TO", layout.deployTo());
    vars.put("TARMAC_SHARED_DIR", layout.shared());
    vars.put("TARMAC_PREVIOUS_VERSION", previousVersion == null ? "" : previousVersion);
    return vars;
  }
}
