package dev.tarmac.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * docs/tarmac-yml.md's key table names every key the reader accepts: the accepted keys of each
 * mapping are taken from the reader's own "unknown key … expected one of: …" answer, so a key added
 * to the reader and not to the table fails here.
 */
class TarmacYmlDocTest {
  static final Path DOC = Path.of("..", "docs", "tarmac-yml.md");
  static final String ENV = "environments:\n  production:\n    deploy_to: /srv/a\n";

  /**
   * {@code yaml} puts the unknown key {@code zzz} in one mapping; {@code rows} is how the rows of
   * that mapping's keys begin in the table's first column.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "zzz: 1|",
        "build: {zzz: 1}|build.",
        "build: {sass: [{from: a.scss, to: a.css, zzz: 1}]}|build.sass`",
        "build: {fingerprint: {root: public, zzz: 1}}|build.fingerprint`",
        "release: {zzz: 1}|release.",
        "release: {hooks: {zzz: 1}}|release.hooks.",
        "release: {hooks: {prepare: [{run: x, zzz: 1}]}}|release.hooks.prepare`",
        "release: {hooks: {activate: [{run: x, zzz: 1}]}}|release.hooks.activate`",
        "release: {health: {url: 'http://a/', zzz: 1}}|release.health`",
        "release: {cdn: {url: 'https://c/', zzz: 1}}|release.cdn",
        "release: {purge: [{url: 'http://a/', zzz: 1}]}|release.purge`",
        "release: {processes: {web: {command: x, zzz: 1}}}|release.processes`",
        "release: {processes: {web: {command: x, health: {path: /, zzz: 1}}}}|release.processes`",
        "release: {proxy: {nginx: /a, zzz: 1}}|release.proxy`",
        "config: {zzz: 1}|config.",
        "ENV    supervisor: {conf: /a, zzz: 1}|environments.<name>.supervisor`",
        "ENV    zzz: 1|environments.<name>.",
        "ENV    hosts: [{name: a, zzz: 1}]|environments.<name>.hosts[]`",
      })
  void everyKeyTheReaderAcceptsIsInTheTable(String yaml, String rows) throws Exception {
    String text =
        "app: a\n"
            + (yaml.startsWith("ENV") ? ENV + yaml.substring(3) : yaml)
            + "\n"
            + (yaml.startsWith("ENV") ? "" : ENV + "    hosts: [{name: a}]\n");
    Throwable t = catchThrowable(() -> ConfigReader.read(text, "tarmac.yml"));
    assertThat(t).as(text).isInstanceOf(ConfigException.class);
    Matcher m =
        Pattern.compile(
                "zzz: unknown key; (?:did you mean `\\w+`\\? )?expected one of: ([a-z_, ]+)")
            .matcher(t.getMessage());
    assertThat(m.find()).as(t.getMessage()).isTrue();
    String start = rows == null ? "" : rows;
    List<String> table =
        Files.readString(DOC).lines().filter(l -> l.startsWith("| `" + start)).toList();
    assertThat(table).as("rows of docs/tarmac-yml.md starting `%s", start).isNotEmpty();
    boolean dotted = rows == null || rows.endsWith(".");
    for (String key : m.group(1).split(", ")) {
      boolean named =
          dotted
              // a row of its own: `build.sass`, `environments.<name>.hosts[]`, `app`
              ? table.stream()
                  .map(l -> l.split("\\|")[1].strip())
                  .anyMatch(
                      c ->
                          c.startsWith("`" + start + key + "`")
                              || c.startsWith("`" + start + key + ".")
                              || c.startsWith("`" + start + key + "["))
              // a key of an entry, named in its row: {from, to, load_paths, source_map}
              : table.stream()
                  .anyMatch(l -> Pattern.compile("\\b" + key + "\\b").matcher(l).find());
      assertThat(named).as("docs/tarmac-yml.md names %s%s", start, key).isTrue();
    }
  }
}
