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
}
