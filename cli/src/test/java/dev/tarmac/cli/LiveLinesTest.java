package dev.tarmac.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LiveLinesTest {
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  final AtomicInteger width = new AtomicInteger(40);

  String written() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  static LiveLines.Line line(String state) {
    return new LiveLines.Line("web1        ", state, LiveLines.GREEN);
  }

  @Test
  void aLongLineIsCutOneColumnShortOfTheWidthAndNeverWraps() {
    LiveLines live = new LiveLines(out, width::get, false);
    live.put("web1", line("download [####################] 100% 16.6/16.6 MB"));
    live.put("web2", new LiveLines.Line("web2        ", "check ok", null));
    live.above("== activate: switching every host to v1.4.0 and more words than fit", null);
    live.put("web1", line("switch ok"));
    VirtualScreen screen = new VirtualScreen(40).feed(written());
    assertThat(screen.wrapped()).allMatch(r -> r.startsWith("== "));
    assertThat(screen.lines())
        .containsExactly(
            "== activate: switching every host to v1.",
            "4.0 and more words than fit",
            "web1        switch ok",
            "web2        check ok",
            "");
    assertThat(LiveLines.fit("web1        download [####################]", 39))
        .hasSize(39)
        .isEqualTo("web1        download [################…");
  }

  @Test
  void aTerminalMadeNarrowerIsRedrawnWithoutAStaleLine() {
    width.set(80);
    LiveLines live = new LiveLines(out, width::get, false);
    String long1 = "download [####################] 100% 16.6/16.6 MB and then some more text";
    live.put("web1", line(long1));
    live.put("web2", new LiveLines.Line("web2        ", long1, null));
    // the terminal became 40 wide: each old line now takes two rows (xterm does not reflow)
    VirtualScreen screen = new VirtualScreen(80).feed(written());
    assertThat(screen.lines().get(0)).hasSize(79);
    bytes.reset();
    width.set(40);
    live.put("web1", line("switch ok"));
    String redraw = written();
    assertThat(redraw).startsWith("\r\033[4A\033[J");
  }

  @Test
  void hostsAreInNameOrderWhicheverAnswersFirst() {
    LiveLines live = new LiveLines(out, width::get, false);
    for (String h : java.util.List.of("web10", "web2", "db1", "web1")) {
      live.put(h, new LiveLines.Line(Output.pad(h, 12), "check ok", null));
    }
    assertThat(new VirtualScreen(40).feed(written()).lines())
        .extracting(l -> l.split(" ")[0])
        .containsExactly("db1", "web1", "web2", "web10", "");
    assertThat(LiveLines.byName("web2", "web10")).isNegative();
    assertThat(LiveLines.byName("web10", "web10")).isZero();
  }

  @Test
  void colourOnlyWhenAsked() {
    new LiveLines(out, width::get, true).put("web1", line("check ok"));
    assertThat(written()).contains("web1        \033[32mcheck ok\033[0m");
    bytes.reset();
    new LiveLines(out, width::get, false).put("web1", line("check ok"));
    assertThat(written()).doesNotContain("\033[3");
  }
}
