package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The examples of docs/operations.md: the systemd unit and the nginx site. */
class OperationsExamplesTest {
  static final Path UNIT = Path.of("../docs/examples/tarmac.service");
  static final Path NGINX = Path.of("../docs/examples/nginx-tarmac.conf");

  /** section → key → values (a key may repeat, as Environment= does). */
  static Map<String, Map<String, List<String>>> parseUnit(Path file) throws Exception {
    Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
    String section = null;
    int n = 0;
    for (String line : Files.readAllLines(file)) {
      n++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
        continue;
      }
      if (l.startsWith("[") && l.endsWith("]")) {
        section = l.substring(1, l.length() - 1);
        out.put(section, new LinkedHashMap<>());
        continue;
      }
      int eq = l.indexOf('=');
      if (section == null || eq <= 0) {
        throw new AssertionError(file + " line " + n + " is not `Key=value` in a section: " + l);
      }
      out.get(section)
          .computeIfAbsent(l.substring(0, eq).strip(), k -> new ArrayList<>())
          .add(l.substring(eq + 1).strip());
    }
    return out;
  }

  @Test
  void theUnitRunsTarmacServeWithOptionsTheCliHas() throws Exception {
    Map<String, Map<String, List<String>>> unit = parseUnit(UNIT);
    assertThat(unit).containsKeys("Unit", "Service", "Install");
    assertThat(unit.get("Install").get("WantedBy")).containsExactly("multi-user.target");
    List<String> exec = unit.get("Service").get("ExecStart");
    assertThat(exec).hasSize(1);

    List<String> argv = Arrays.asList(exec.get(0).split("\\s+"));
    assertThat(argv.get(0)).endsWith("/tarmac");
    // the real command line: an unknown or misspelt option fails here
    CommandLine.ParseResult parsed =
        Main.commandLine().parseArgs(argv.subList(1, argv.size()).toArray(String[]::new));
    assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("serve");
    Path dataDir = parsed.subcommand().matchedOptionValue("--data-dir", null);
    assertThat(dataDir).isAbsolute();
    assertThat(Files.readString(Path.of("../docs/operations.md"))).contains(dataDir.toString());
  }

  @Test
  void everyVariableTheUnitSetsIsADocumentedProperty() throws Exception {
    String configuration = Files.readString(Path.of("../docs/configuration.md"));
    List<String> env = parseUnit(UNIT).get("Service").get("Environment");
    assertThat(env).isNotEmpty();
    for (String assignment : env) {
      String name = assignment.substring(0, assignment.indexOf('='));
      // TARMAC_SSH_PRIVATE_KEY -> tarmac.ssh.private-key (the first _ after a part is a dot or -)
      String lower = name.toLowerCase();
      Pattern property =
          Pattern.compile("`(" + lower.replace("_", "[.-]") + ")`", Pattern.CASE_INSENSITIVE);
      assertThat(property.matcher(configuration).find())
          .as("%s in docs/examples/tarmac.service names a property of docs/configuration.md", name)
          .isTrue();
    }
  }

  @Test
  void theProxyDoesNotBufferReleaseEventsAndNginxAcceptsIt(@TempDir Path dir) throws Exception {
    String site = Files.readString(NGINX);
    // the location that serves a release's events must not buffer them
    Matcher location = Pattern.compile("location ~ (\\S+) \\{([^}]*)\\}").matcher(site);
    boolean found = false;
    while (location.find()) {
      if (Pattern.matches(location.group(1), "/api/apps/shop/envs/prod/releases/42/events")) {
        found = true;
        assertThat(location.group(2)).contains("proxy_buffering off;");
      }
    }
    assertThat(found).as("a location in %s matches the events endpoint", NGINX).isTrue();

    Path nginx = Path.of("/usr/sbin/nginx");
    if (!Files.isExecutable(nginx)) {
      throw new AssertionError("nginx is missing: .ci/setup-test-host installs it");
    }
    // nginx -t on the site as written, less the certificate files a test machine does not have
    String testable =
        site.replaceAll("(?m)^\\s*ssl_certificate.*$", "")
            .replace("listen 443 ssl;", "listen 127.0.0.1:18443;");
    Files.writeString(dir.resolve("site.conf"), testable);
    String temp = dir.toString();
    Files.writeString(
        dir.resolve("nginx.conf"),
        "pid "
            + temp
            + "/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n"
            + "  client_body_temp_path "
            + temp
            + "/body;\n  proxy_temp_path "
            + temp
            + "/proxy;\n  fastcgi_temp_path "
            + temp
            + "/fastcgi;\n  uwsgi_temp_path "
            + temp
            + "/uwsgi;\n  scgi_temp_path "
            + temp
            + "/scgi;\n  include "
            + temp
            + "/site.conf;\n}\n");
    Process check =
        new ProcessBuilder(
                nginx.toString(), "-t", "-p", temp, "-e", "stderr", "-c", temp + "/nginx.conf")
            .redirectErrorStream(true)
            .start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(output).isZero();
  }
}
