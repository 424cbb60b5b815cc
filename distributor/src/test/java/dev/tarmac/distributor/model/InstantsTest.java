package dev.tarmac.distributor.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-read canonical form gives what {@link Instant#parse} gives, and the same errors. */
class InstantsTest {

  @Test
  void whatInstantToStringWritesIsReadBackExactly() {
    Random random = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      // 1970 to 2100, with 0, 3, 6 or 9 digits of fraction as toString writes them
      long seconds = (long) (random.nextDouble() * 4_102_444_800L);
      int nanos =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            default -> random.nextInt(1_000_000_000);
          };
      Instant t = Instant.ofEpochSecond(seconds, nanos);
      assertThat(Instants.parse(t.toString())).as(t.toString()).isEqualTo(t);
    }
  }

  @Test
  void otherFormsAndBadValuesGoThroughTheJdk() {
    for (String text :
        List.of(
            "2026-12-08T03:22:56Z",
            "2026-12-08T03:22:56.5Z",
            "2026-12-08T03:22:56.12Z",
            "2024-02-29T23:59:59.999999999Z",
            "0001-01-01T00:00:00Z",
            "+12026-12-08T03:22:56Z",
            "2026-12-08T03:22:56+01:00",
            "2026-12-08t03:22:56Z",
            "2026-12-08T24:00:00Z",
            "2026-12-08T03:22:56.Z")) {
      Instant expected;
      try {
        expected = Instant.parse(text);
      } catch (DateTimeParseException e) {
        assertThatThrownBy(() -> Instants.parse(text)).isInstanceOf(DateTimeParseException.class);
        continue;
      }
      assertThat(Instants.parse(text)).as(text).isEqualTo(expected);
    }
    // and what the JDK refuses is refused alike
    for (String bad :
        List.of(
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-08T03:60:00Z",
            "2026-12-08T03:22:56.1234567890Z",
            "2026-12-08 03:22:56Z",
            "2026-12-0xT03:22:56Z",
            "")) {
      assertThatThrownBy(() -> Instant.parse(bad))
          .as(bad)
          .isInstanceOf(DateTimeParseException.class);
      assertThatThrownBy(() -> Instants.parse(bad))
          .as(bad)
          .isInstanceOf(DateTimeParseException.class);
    }
  }

  record Times(Instant at, List<Instant> more) {}

  @Test
  void theStoresJsonReadsTimesSoAndStillTakesNumbers() {
    Instant t = Instant.parse("2026-12-08T03:22:56.877144127Z");
    Times back = Json.read(Json.write(new Times(t, List.of(t.plusNanos(1)))), Times.class);
    assertThat(back).isEqualTo(new Times(t, List.of(t.plusNanos(1))));
    assertThat(Json.MAPPER.convertValue(Map.of("at", 1.5, "more", List.of()), Times.class).at())
        .isEqualTo(Instant.ofEpochSecond(1, 500_000_000));
    assertThatThrownBy(() -> Json.read("{\"at\":\"yesterday\"}".getBytes(), Times.class))
        .hasMessageContaining("yesterday");
  }
}
