package dev.tarmac.builder.pipeline.steps;

import dev.tarmac.builder.git.RepoSecrets;
import dev.tarmac.builder.git.RepoUrls;
import dev.tarmac.builder.workspace.BuildException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;

/**
 * One cached bare mirror per app under {@code <data-dir>/git/<app>.git}. The first build clones;
 * later builds fetch, so only new objects cross the network.
 */
public final class GitMirrors {
  private final Path root;
  private final RepoSecrets secrets;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** {@code secrets}: the apps' tokens and deploy keys, used to fetch (see {@link RepoSecrets}). */
  public GitMirrors(Path root, RepoSecrets secrets) {
    this.root = root;
    this.secrets = secrets;
  }

  /** Brings the app's mirror up to date with {@code url} and opens it; the caller closes it. */
  public Repository update(String app, String url) {
    synchronized (locks.computeIfAbsent(app, a -> new Object())) {
      Path dir = root.resolve(app + ".git");
      try {
        TransportConfigCallback access = secrets.transport(app);
        if (!Files.isDirectory(dir)) {
          cloneMirror(url, dir, access);
        } else {
          fetch(dir, url, access);
        }
        return new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
      } catch (GitAPIException | IOException | RuntimeException e) {
        throw new BuildException(
            "cannot fetch "
                + RepoUrls.redact(url)
                + " for app "
                + app
                + ": "
                + secrets.explain(app, RepoUrls.redact(rootMessage(e)))
                + " (check the repository URL and that the build server can reach it)",
            e);
      }
    }
  }

  /** The tag names at {@code url}, asked without fetching objects (the tag watcher's poll). */
  public static List<String> remoteTags(String url, TransportConfigCallback access) {
    try {
      TreeSet<String> tags = new TreeSet<>();
      for (Ref ref :
          Git.lsRemoteRepository()
              .setRemote(url)
              .setTags(true)
              .setHeads(false)
              .setTransportConfigCallback(access)
              .call()) {
        String name = ref.getName();
        if (name.startsWith("refs/tags/") && !name.endsWith("^{}")) {
          tags.add(name.substring("refs/tags/".length()));
        }
      }
      return List.copyOf(tags);
    } catch (GitAPIException | RuntimeException e) {
      throw new BuildException(
          "cannot list the tags of "
              + RepoUrls.redact(url)
              + ": "
              + RepoUrls.redact(rootMessage(e)),
          e);
    }
  }

  /** The branches of the repository at {@code url} and the commit each points at, by name. */
  public static java.util.Map<String, String> remoteBranches(
      String url, TransportConfigCallback access) {
    try {
      java.util.Map<String, String> heads = new java.util.TreeMap<>();
      for (Ref ref :
          Git.lsRemoteRepository()
              .setRemote(url)
              .setTags(false)
              .setHeads(true)
              .setTransportConfigCallback(access)
              .call()) {
        String name = ref.getName();
        if (name.startsWith("refs/heads/") && ref.getObjectId() != null) {
          heads.put(name.substring("refs/heads/".length()), ref.getObjectId().name());
        }
      }
      return heads;
    } catch (GitAPIException | RuntimeException e) {
      throw new BuildException(
          "cannot list the branches of "
              + RepoUrls.redact(url)
              + ": "
              + RepoUrls.redact(rootMessage(e)),
          e);
    }
  }

  /**
   * A new mirror: an empty bare repository, then the same fetch as every later update. Not {@code
   * git clone --mirror}: JGit's clone also resolves the remote's {@code HEAD}, and a repository
   * made with {@code git init --bare} whose users push {@code main} has a {@code HEAD} naming no
   * branch ("Remote branch 'HEAD' not found"); a build needs tags and branches only.
   */
  private void cloneMirror(String url, Path dir, TransportConfigCallback access)
      throws GitAPIException, IOException {
    Files.createDirectories(root);
    Path tmp = Files.createTempDirectory(root, ".clone-");
    try {
      try (Git git = Git.init().setBare(true).setDirectory(tmp.toFile()).call()) {
        StoredConfig config = git.getRepository().getConfig();
        config.setString("remote", "origin", "url", url);
        // the fetch's automatic gc runs in the foreground here: detached, it would still write
        // into the directory being moved
        config.setBoolean("gc", null, "autoDetach", false);
        config.save();
      }
      fetch(tmp, url, access);
      try (Git git = Git.open(tmp.toFile())) {
        StoredConfig config = git.getRepository().getConfig();
        config.unset("gc", null, "autoDetach");
        config.save();
      }
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      if (Files.exists(tmp)) {
        dev.tarmac.builder.workspace.TreeFiles.deleteRecursively(tmp);
      }
    }
  }

  private static void fetch(Path dir, String url, TransportConfigCallback access)
      throws GitAPIException, IOException {
    try (Git git = Git.open(dir.toFile())) {
      StoredConfig config = git.getRepository().getConfig();
      if (!url.equals(config.getString("remote", "origin", "url"))) {
        config.setString("remote", "origin", "url", url);
        config.save();
      }
      git.fetch()
          .setRemote("origin")
          .setRefSpecs(
              new RefSpec("+refs/heads/*:refs/heads/*"), new RefSpec("+refs/tags/*:refs/tags/*"))
          .setTagOpt(TagOpt.FETCH_TAGS)
          .setRemoveDeletedRefs(true)
          .setTransportConfigCallback(access)
          .call();
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    String message = e.getMessage();
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message;
  }
}
