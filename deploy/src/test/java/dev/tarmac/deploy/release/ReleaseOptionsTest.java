package dev.tarmac.deploy.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Each wither changes its own component and no other; a copy is checked as a new one is. */
class ReleaseOptionsTest {
  private final ReleaseOptions base = ReleaseOptions.defaults("ana");

  @Test
  void eachWitherChangesOnlyItsComponent() throws Exception {
    Consumer<ReleaseEvent> listener = e -> {};
    BooleanSupplier cancelled = () -> true;
    Map<String, Object[]> cases = new LinkedHashMap<>();
    cases.put("forceUnlock", new Object[] {base.withForceUnlock(true), true});
    cases.put(
        "downloadRateLimit", new Object[] {base.withDownloadRateLimit("5M"), Optional.of("5M")});
    cases.put("lease", new Object[] {base.withLease(Duration.ofSeconds(7)), Duration.ofSeconds(7)});
    cases.put(
        "commandTimeout",
        new Object[] {base.withCommandTimeout(Duration.ofSeconds(8)), Duration.ofSeconds(8)});
    cases.put("listener", new Object[] {base.withListener(listener), listener});
    cases.put(
        "switchAck",
        new Object[] {base.withSwitchAck(Duration.ofSeconds(9)), Duration.ofSeconds(9)});
    cases.put("cancelled", new Object[] {base.withCancelled(cancelled), cancelled});
    for (Map.Entry<String, Object[]> c : cases.entrySet()) {
      ReleaseOptions changed = (ReleaseOptions) c.getValue()[0];
      for (RecordComponent rc : ReleaseOptions.class.getRecordComponents()) {
        Object now = rc.getAccessor().invoke(changed);
        Object expected =
            rc.getName().equals(c.getKey()) ? c.getValue()[1] : rc.getAccessor().invoke(base);
        assertThat(now).as(c.getKey() + " → " + rc.getName()).isEqualTo(expected);
      }
    }
    assertThat(base.withDownloadRateLimit("5M").withDownloadRateLimit(null).downloadRateLimit())
        .isEmpty();
  }

  @Test
  void aCopyIsCheckedAsANewOneIs() {
    assertThatThrownBy(() -> base.withDownloadRateLimit("fast"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("download rate limit must be a number with an optional k/M/G suffix, got fast");
  }
}
