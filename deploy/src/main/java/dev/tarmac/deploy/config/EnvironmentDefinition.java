package dev.tarmac.deploy.config;

import dev.tarmac.deploy.config.TarmacConfig.Environment;
import dev.tarmac.deploy.config.TarmacConfig.Host;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An environment as the service registers it (docs/environments.md): where code runs ({@link
 * Environment}, the same fields as a {@code tarmac.yml} block) and which versions may go there.
 * Made only by {@link ConfigReader#readEnvironment} (or from a block a build's {@code tarmac.yml}
 * already validated, {@link #imported}).
 *
 * @param versions the globs a version's name must match; empty means {@code tags}: any version
 *     built from a tag
 */
public record EnvironmentDefinition(Environment environment, List<String> versions) {
  /** {@code versions: tags}, the default. */
  public static final List<String> TAGS = List.of();

  /** What a glob of {@code versions} may hold: a version's characters, {@code *} and {@code ?}. */
  static final Pattern GLOB = Pattern.compile("[A-Za-z0-9._*?+-]{1,128}");

  public EnvironmentDefinition {
    versions = List.copyOf(versions);
  }

  /** A block of a {@code tarmac.yml} taken as it is, with {@code versions: tags}. */
  public static EnvironmentDefinition imported(Environment environment) {
    return new EnvironmentDefinition(environment, TAGS);
  }

  public String name() {
    return environment.name();
  }

  /** {@code tags} or the globs, as written. */
  public String versionsRule() {
    return versions.isEmpty() ? "tags" : String.join(", ", versions);
  }

  /**
   * Whether {@code version} (built from {@code tag}; null when not built from a tag) may go here.
   */
  public boolean allows(String version, String tag) {
    if (versions.isEmpty()) {
      return tag != null && !tag.isBlank();
    }
    return versions.stream().anyMatch(g -> globMatches(g, version));
  }

  /** {@code *}: any run of characters (none too), {@code ?}: one; everything else itself. */
  static boolean globMatches(String glob, String name) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      re.append(
          switch (c) {
            case '*' -> ".*";
            case '?' -> ".";
            default -> Pattern.quote(String.valueOf(c));
          });
    }
    return name.matches(re.toString());
  }

  /**
   * The definition written out in full (every host with its address, port, user, deploy_to, roles
   * and ports), in the shape {@link ConfigReader#readEnvironment} reads back to an equal value.
   */
  public Map<String, Object> toMap() {
    Environment e = environment;
    Map<String, Object> m = new LinkedHashMap<>();
    if (e.deployTo() != null) {
      m.put("deploy_to", e.deployTo());
    }
    if (e.user() != null) {
      m.put("user", e.user());
    }
    m.put("parallel", e.parallel());
    m.put("accept_new_host_keys", e.acceptNewHostKeys());
    e.supervisor()
        .ifPresent(s -> m.put("supervisor", Map.of("conf", s.conf(), "include", s.include())));
    List<Map<String, Object>> hosts = new ArrayList<>();
    for (Host h : e.hosts()) {
      Map<String, Object> hm = new LinkedHashMap<>();
      hm.put("name", h.name());
      hm.put("address", h.address());
      hm.put("port", h.port());
      if (h.user() != null) {
        hm.put("user", h.user());
      }
      hm.put("deploy_to", h.deployTo());
      hm.put("roles", h.roles());
      hm.put("ports", h.ports());
      hosts.add(hm);
    }
    m.put("hosts", hosts);
    m.put("versions", versions.isEmpty() ? "tags" : versions);
    return m;
  }

  /**
   * What changed from {@code before} (null: nothing registered) to this, one short line each: hosts
   * added, removed or changed (which field), then the environment's own fields; empty when nothing
   * did.
   */
  public List<String> changesFrom(EnvironmentDefinition before) {
    List<String> out = new ArrayList<>();
    if (before == null) {
      out.add(
          "registered with "
              + environment.hosts().size()
              + (environment.hosts().size() == 1 ? " host (" : " hosts (")
              + String.join(", ", environment.hosts().stream().map(Host::name).toList())
              + ")");
      return out;
    }
    Map<String, Host> old = new LinkedHashMap<>();
    before.environment.hosts().forEach(h -> old.put(h.name(), h));
    Map<String, Host> now = new LinkedHashMap<>();
    environment.hosts().forEach(h -> now.put(h.name(), h));
    for (Host h : now.values()) {
      Host o = old.get(h.name());
      if (o == null) {
        out.add("host " + h.name() + " added (" + h.address() + ":" + h.port() + ")");
      } else if (!o.equals(h)) {
        List<String> fields = new ArrayList<>();
        diff(fields, "address", o.address(), h.address());
        diff(fields, "port", o.port(), h.port());
        diff(fields, "user", o.user(), h.user());
        diff(fields, "deploy_to", o.deployTo(), h.deployTo());
        diff(fields, "roles", o.roles(), h.roles());
        diff(fields, "ports", o.ports(), h.ports());
        out.add("host " + h.name() + ": " + String.join(", ", fields));
      }
    }
    for (Host o : old.values()) {
      if (!now.containsKey(o.name())) {
        out.add("host " + o.name() + " removed");
      }
    }
    if (!old.keySet().stream().toList().equals(now.keySet().stream().toList()) && out.isEmpty()) {
      out.add("hosts reordered");
    }
    Environment b = before.environment;
    Environment e = environment;
    diff(out, "deploy_to", b.deployTo(), e.deployTo());
    diff(out, "user", b.user(), e.user());
    diff(out, "parallel", b.parallel(), e.parallel());
    diff(out, "accept_new_host_keys", b.acceptNewHostKeys(), e.acceptNewHostKeys());
    diff(
        out,
        "supervisor",
        b.supervisor().map(s -> s.conf() + " " + s.include()).orElse(null),
        e.supervisor().map(s -> s.conf() + " " + s.include()).orElse(null));
    diff(out, "versions", before.versionsRule(), versionsRule());
    return out;
  }

  private static void diff(List<String> out, String field, Object before, Object after) {
    if (!Objects.equals(before, after)) {
      out.add(field + " " + shown(before) + " → " + shown(after));
    }
  }

  private static String shown(Object o) {
    return o == null ? "(none)" : o.toString();
  }
}
