package dev.tarmac.builder.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/api.md has a row for the calls of the environments registered in the service (as {@code
 * CliDocTest} does for docs/cli.md): each {@code METHOD /path} of {@link EnvResource} begins a row.
 */
class ApiDocTest {
  static final Path DOC = Path.of("..", "docs", "api.md");

  static List<String> calls(Class<?> resource) {
    String base = resource.getAnnotation(jakarta.ws.rs.Path.class).value();
    List<String> out = new ArrayList<>();
    for (Method m : resource.getDeclaredMethods()) {
      String verb = null;
      for (Class<? extends java.lang.annotation.Annotation> a :
          List.of(
              jakarta.ws.rs.GET.class,
              jakarta.ws.rs.PUT.class,
              jakarta.ws.rs.POST.class,
              jakarta.ws.rs.DELETE.class)) {
        if (m.isAnnotationPresent(a)) {
          verb = a.getSimpleName();
        }
      }
      if (verb == null) {
        continue;
      }
      jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
      out.add(verb + " " + (sub == null ? base : base + "/" + sub.value()));
    }
    return out;
  }

  @Test
  void everyCallOfTheEnvironmentsIsARowOfTheDoc() throws Exception {
    List<String> rows = Files.readString(DOC).lines().filter(l -> l.startsWith("| `")).toList();
    List<String> calls = calls(EnvResource.class);
    assertThat(calls).hasSize(6);
    for (String call : calls) {
      assertThat(rows)
          .as("docs/api.md has a row for %s", call)
          .anyMatch(r -> r.startsWith("| `" + call + "`") || r.startsWith("| `" + call + " "));
    }
  }
}
