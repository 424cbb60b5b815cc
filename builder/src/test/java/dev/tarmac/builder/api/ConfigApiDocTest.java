package dev.tarmac.builder.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.HttpMethod;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/api.md has a row for every call of the configuration API ({@link ConfigResource}, {@link
 * EnvConfigResource}), as {@code CliDocTest} does for the commands: `METHOD /path` in its first
 * column.
 */
class ConfigApiDocTest {
  static List<String> calls(Class<?> resource) {
    String base = resource.getAnnotation(jakarta.ws.rs.Path.class).value();
    List<String> out = new ArrayList<>();
    for (Method m : resource.getDeclaredMethods()) {
      for (Annotation a : m.getAnnotations()) {
        HttpMethod verb = a.annotationType().getAnnotation(HttpMethod.class);
        if (verb != null) {
          jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
          out.add(verb.value() + " " + base + (sub == null ? "" : "/" + sub.value()));
        }
      }
    }
    return out;
  }

  @Test
  void everyConfigurationCallHasItsRow() throws Exception {
    List<String> rows =
        Files.readString(Path.of("..", "docs", "api.md"))
            .lines()
            .filter(l -> l.startsWith("| `"))
            .map(l -> l.split("\\|")[1].strip())
            .toList();
    List<String> calls = new ArrayList<>(calls(ConfigResource.class));
    calls.addAll(calls(EnvConfigResource.class));
    assertThat(calls).hasSize(6);
    for (String call : calls) {
      assertThat(rows)
          .as("docs/api.md has a row for `%s`", call)
          .anyMatch(r -> r.startsWith("`" + call + "`"));
    }
  }
}
