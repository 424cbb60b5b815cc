package dev.tarmac.deploy.config;

import dev.tarmac.deploy.DeployException;
import java.util.List;

/** {@code tarmac.yml} is invalid: every problem found, each with its line and key. */
public class ConfigException extends DeployException {
  private final List<String> problems;

  public ConfigException(String file, List<String> problems) {
    this(file, problems, "Fix it and tag again; `tarmac init` writes a commented example.");
  }

  /** {@code next}: what to do about it, the message's last line. */
  public ConfigException(String file, List<String> problems, String next) {
    super(file + " is invalid:\n  - " + String.join("\n  - ", problems) + "\n" + next);
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
