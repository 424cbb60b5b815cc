package dev.tarmac.deploy.remote;

import dev.tarmac.distributor.model.Names;

/**
 * Capistrano's layout under a host's {@code deploy_to}: {@code current -> releases/<version>},
 * {@code releases/}, {@code shared/}, {@code .tarmac/}.
 */
public record ReleaseLayout(String deployTo) {
  public ReleaseLayout {
    if (deployTo == null || !deployTo.startsWith("/") || ("/" + deployTo + "/").contains("/../")) {
      throw new IllegalArgumentException(
          "deploy_to must be an absolute path without ..: " + deployTo);
    }
    deployTo = deployTo.replaceAll("/+$", "");
  }

  public String current() {
    return deployTo + "/current";
  }

  public String releases() {
    return deployTo + "/releases";
  }

  public String release(String version) {
    return releases() + "/" + Names.version(version);
  }

  public String shared() {
    return deployTo + "/shared";
  }

  public String meta() {
    return deployTo + "/.tarmac";
  }
}
