package dev.tarmac.builder.pipeline;

import dev.tarmac.distributor.model.Names;
import java.time.Instant;

/**
 * Build {@code tag} of {@code app} from the git repository at {@code repo}. The version is the tag.
 */
public record BuildRequest(String app, String repo, String tag, Instant queuedAt) {
  public BuildRequest {
    Names.app(app);
    Names.version(tag);
  }

  public String version() {
    return tag;
  }
}
