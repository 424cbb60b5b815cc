package dev.tarmac.builder.git;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RemoteSession;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.util.FS;

/**
 * JGit's SSH transport through the system's OpenSSH client, one {@code ssh} process per git command
 * ({@code git-upload-pack '<path>'} on the git host), as {@code git} itself does. Chosen over
 * JGit's Apache MINA module ({@code org.eclipse.jgit.ssh.apache}, which wants sshd 2.19.0 where the
 * Quarkus BOM pins 2.17.1): no new dependency, the host keys checked by OpenSSH itself. The command
 * line names the key's file, never its content; no user or system ssh configuration, agent or
 * password prompt takes part (docs/operations.md, "Private repositories").
 */
final class ExternalSsh extends SshSessionFactory {
  private final Path key;
  private final Path knownHosts;
  private final Said said;

  /**
   * What the last {@code ssh} process of an app wrote on its standard error, read by Tarmac itself:
   * JGit reports a hang-up of the git host ("Short read of block", "remote hung up") before it has
   * copied ssh's own words ("Permission denied (publickey)"), depending on timing; the error of a
   * failed fetch adds them from here ({@link RepoSecrets#explain(String, String)}).
   */
  static final class Said {
    private Process proc;
    private Path file;

    /**
     * Sends the coming ssh process's standard error to a file of its own: JGit destroys a failed
     * process, and {@link Process#destroy} closes its pipes, which cut ssh's words off half read.
     */
    private synchronized void redirect(ProcessBuilder pb) throws IOException {
      if (file != null) {
        java.nio.file.Files.deleteIfExists(file);
      }
      file = java.nio.file.Files.createTempFile("tarmac-ssh-", ".err");
      proc = null;
      pb.redirectError(file.toFile());
    }

    private synchronized void started(Process ssh) {
      proc = ssh;
    }

    /** What the last ssh said, once it has ended (waits at most {@code max} for that). */
    String last(java.time.Duration max) {
      Process p;
      Path f;
      synchronized (this) {
        p = proc;
        f = file;
      }
      if (p == null || f == null) {
        return "";
      }
      try {
        p.waitFor(max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        byte[] bytes = java.nio.file.Files.readAllBytes(f);
        int from = Math.max(0, bytes.length - 16_384);
        return new String(bytes, from, bytes.length - from, java.nio.charset.StandardCharsets.UTF_8)
            .strip();
      } catch (IOException e) {
        return "";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "";
      }
    }
  }

  /**
   * @param key the deploy key's file (mode 600), or null to offer no key
   * @param knownHosts the service's own known hosts: an unknown host's key is recorded at the first
   *     connection, a changed one is refused
   */
  ExternalSsh(Path key, Path knownHosts, Said said) {
    this.key = key;
    this.knownHosts = knownHosts;
    this.said = said;
  }

  @Override
  public String getType() {
    return "tarmac-openssh";
  }

  @Override
  public RemoteSession getSession(URIish uri, CredentialsProvider credentials, FS fs, int tms) {
    return new RemoteSession() {
      @Override
      public Process exec(String command, int timeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv(uri, command, key, knownHosts, tms));
        Map<String, String> env = pb.environment();
        // no agent, no askpass program: only the deploy key, never a prompt
        env.remove("SSH_AUTH_SOCK");
        env.remove("SSH_ASKPASS");
        env.remove("DISPLAY");
        said.redirect(pb);
        Process ssh = pb.start();
        said.started(ssh);
        return new Exited(ssh);
      }

      @Override
      public void disconnect() {
        // each exec is its own ssh process, ended with its command
      }
    };
  }

  /** The exact {@code ssh} command line for one git command on {@code uri}'s host. */
  static List<String> argv(URIish uri, String command, Path key, Path knownHosts, int timeout) {
    List<String> a = new ArrayList<>();
    a.add("ssh");
    a.addAll(List.of("-F", "/dev/null"));
    for (String option :
        List.of(
            "BatchMode=yes",
            "IdentitiesOnly=yes",
            "IdentityFile=" + (key == null ? "none" : file(key)),
            "UserKnownHostsFile=" + file(knownHosts),
            "GlobalKnownHostsFile=/dev/null",
            "StrictHostKeyChecking=accept-new",
            "UpdateHostKeys=no",
            "LogLevel=ERROR",
            "ConnectTimeout=" + (timeout > 0 ? timeout : 30))) {
      a.add("-o");
      a.add(option);
    }
    if (uri.getPort() > 0) {
      a.add("-p");
      a.add(Integer.toString(uri.getPort()));
    }
    if (uri.getUser() != null && !uri.getUser().isEmpty()) {
      a.add("-l");
      a.add(uri.getUser());
    }
    a.add("--");
    a.add(uri.getHost());
    a.add(command);
    return a;
  }

  /**
   * A file as an ssh option's value: quoted, as ssh splits an unquoted value at spaces (two known
   * hosts files, one of them outside {@code secrets/}), and {@code %} doubled, as ssh expands
   * {@code %}-tokens in these paths.
   */
  private static String file(Path p) {
    return "\"" + p.toString().replace("%", "%%") + "\"";
  }

  /**
   * The ssh process as JGit sees it: when the git host hangs up (ssh refused its key, or the host
   * refused ours), JGit asks for the exit status at once, often before ssh has exited, and {@link
   * Process#exitValue} would throw "process hasn't exited" instead of JGit reporting ssh's own
   * message. Here it waits for ssh to end (briefly) first.
   */
  static final class Exited extends Process {
    private final Process ssh;

    Exited(Process ssh) {
      this.ssh = ssh;
    }

    @Override
    public java.io.OutputStream getOutputStream() {
      return ssh.getOutputStream();
    }

    @Override
    public java.io.InputStream getInputStream() {
      return ssh.getInputStream();
    }

    @Override
    public java.io.InputStream getErrorStream() {
      return ssh.getErrorStream(); // empty: ssh's standard error goes to Said's file
    }

    @Override
    public int waitFor() throws InterruptedException {
      return ssh.waitFor();
    }

    @Override
    public boolean waitFor(long timeout, java.util.concurrent.TimeUnit unit)
        throws InterruptedException {
      return ssh.waitFor(timeout, unit);
    }

    @Override
    public int exitValue() {
      try {
        ssh.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ssh.exitValue();
    }

    @Override
    public void destroy() {
      ssh.destroy();
    }

    @Override
    public Process destroyForcibly() {
      ssh.destroyForcibly();
      return this;
    }

    @Override
    public boolean isAlive() {
      return ssh.isAlive();
    }

    @Override
    public long pid() {
      return ssh.pid();
    }
  }
}
