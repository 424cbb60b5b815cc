package dev.tarmac.builder.pipeline;

import dev.tarmac.distributor.model.Names;
import java.time.Instant;

/**
 * Build {@code tag} of {@code app} from the git repository at {@code repo}; the version is the tag.
 * Or, with a {@code ref} (docs/architecture.md, "Builds from any ref"): build {@code commit}, which
 * the branch {@code ref} pointed at ({@code kind} {@code branch}) or which was given by its id
 * ({@code commit}); then {@code tag} is null and the version is named from the commit ({@code
 * main-1a2b3c4}).
 */
public record BuildRequest(
    String app, String repo, String tag, Instant queuedAt, String kind, String ref, String commit) {
  public BuildRequest {
    Names.app(app);
    if (kind == null) {
      Names.version(tag);
    } else if (!Names.isCommit(commit) || commit.length() != 40 || tag != null) {
      throw new IllegalArgumentException("a build of a ref needs its full commit id and no tag");
    } else if (kind.equals("branch")) {
      Names.branch(ref);
    } else if (!kind.equals("commit")) {
      throw new IllegalArgumentException("a ref is a branch or a commit, not " + kind);
    }
  }

  public BuildRequest(String app, String repo, String tag, Instant queuedAt) {
    this(app, repo, tag, queuedAt, null, null, null);
  }

  /** A build of {@code branch} (null: of the commit itself) at {@code commit} (40 hex digits). */
  public static BuildRequest ofRef(
      String app, String repo, String branch, String commit, Instant queuedAt) {
    return new BuildRequest(
        app,
        repo,
        null,
        queuedAt,
        branch == null ? "commit" : "branch",
        branch == null ? commit : branch,
        commit);
  }

  public String version() {
    return kind == null ? tag : Names.refVersion(kind.equals("branch") ? ref : null, commit);
  }

  /** What the build log and the errors call it: {@code tag v1.2.0}, {@code branch main}. */
  public String what() {
    return kind == null ? "tag " + tag : kind + " " + ref;
  }
}
