package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Secrets cut out of what hosts print: whole, line by line, the longest first. */
class RedactionTest {
  @Test
  void everyOccurrenceIsCutAndNothingElse() {
    Redaction r = Redaction.of(List.of("hunter2hunter2", "jwt-secret-value"));
    assertThat(r.apply("db hunter2hunter2, jwt jwt-secret-value, again hunter2hunter2"))
        .isEqualTo("db [secret], jwt [secret], again [secret]");
    assertThat(r.apply("hunter2 alone is not the secret"))
        .isEqualTo("hunter2 alone is not the secret");
    assertThat(r.apply(null)).isNull();
    assertThat(Redaction.NONE.apply("hunter2hunter2")).isEqualTo("hunter2hunter2");
  }

  @Test
  void aSecretOfSeveralLinesIsCutWholeAndLineByLine() {
    String key = "-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\nshort\n-----END KEY-----\n";
    Redaction r = Redaction.of(List.of(key));
    assertThat(r.apply("key:\n" + key + "done")).isEqualTo("key:\n[secret]done");
    // printed one line at a time (a loop, grep): each line of 8 or more is cut, shorter ones kept
    assertThat(r.apply("line AAAABBBBCCCCDDDD\nline short")).isEqualTo("line [secret]\nline short");
  }

  @Test
  void theLongerSecretIsCutFirstSoNoPartOfItRemains() {
    Redaction r = Redaction.of(List.of("abcdefgh", "abcdefgh-and-more"));
    assertThat(r.apply("x abcdefgh-and-more y")).isEqualTo("x [secret] y");
  }

  /**
   * The hostile probe of 2026-12-07: a hook's {@code cat .env} printed a secret holding {@code $}
   * or a quote escaped as the file holds it, and it was not cut (SecretLeakTest found it in the
   * record, the events, the task log, the page and the service log); neither was a shell-quoted
   * one, nor one holding a control character in a message made printable first. Each assertion
   * failed before the fix.
   */
  @Test
  void theFormsAHostPrintsASecretInAreCutToo() {
    String db = "leak-db-$(id) \"q\" `w` \\x 'y'";
    Redaction r = Redaction.of(List.of(db));
    String file =
        dev.tarmac.deploy.remote.ConfigCommands.dotenv("header", java.util.Map.of("DB", db));
    assertThat(r.apply(file)).isEqualTo("# header\nDB=\"[secret]\"\n");
    assertThat(r.apply("+ echo " + dev.tarmac.deploy.remote.Shell.quote(db)))
        .isEqualTo("+ echo [secret]");
    String esc = "leak-esc-\u001b[31m-red-9k2z";
    assertThat(Redaction.of(List.of(esc)).apply(Fleet.printable("esc " + esc)))
        .isEqualTo("esc [secret]");
  }
}
