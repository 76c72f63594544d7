package dev.hypnos.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.PostingsForMatchers;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.labels.SelectorParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Matchers resolved through postings select exactly the series a naive scan selects. */
class PostingsForMatchersTest {
  @TempDir Path tmp;

  @Test
  void selectionEqualsNaiveScan() throws IOException {
    var data = new OpenMetricsGenerator(OpenMetricsGenerator.Config.defaults()).write(tmp.resolve("d.om"));
    Path dir = Promtool.require().createBlocksFromOpenMetrics(data.file(), tmp.resolve("b")).get(1);
    List<String> selectors = List.of(
        "{__name__=~\".+\"}",
        "hypnos_request_duration_seconds_bucket",
        "{__name__=~\".*_bucket\", le=~\"0.1|1|\\\\+Inf\"}",
        "{__name__=~\"hypnos_.*\", le=\"\"}",
        "{__name__=~\"hypnos_.*\", le!=\"+Inf\"}",
        "{__name__!~\".*total\", job=~\"a.*|.*i\"}",
        "{job=~\".+\", instance!=\"\", __name__=~\".*(?i)TEMPERATURE.*\"}",
        "{__name__=~\"hypnos_.*\", no_such_label=\"\"}",
        "{__name__=~\"hypnos_.*\", no_such_label!=\"x\"}",
        "{__name__=\"nope\"}",
        "{__name__=~\"hypnos_.*\", job!~\".*\"}");
    try (BlockReader block = BlockReader.open(dir)) {
      List<Labels> all = new ArrayList<>();
      block.forEachSeries((ref, s) -> all.add(s.labels()));
      int nonEmpty = 0;
      for (String sel : selectors) {
        List<Matcher> ms = SelectorParser.parse(sel);
        List<Labels> want = all.stream().filter(l -> ms.stream().allMatch(m -> m.matches(l))).toList();
        List<Labels> got = new ArrayList<>();
        Postings p = PostingsForMatchers.select(block.index(), ms);
        SeriesBuilder sb = new SeriesBuilder();
        while (p.next()) {
          block.index().series(p.at(), sb);
          got.add(sb.labels());
        }
        assertThat(got).as(sel).containsExactlyElementsOf(want);
        if (!want.isEmpty()) {
          nonEmpty++;
        }
      }
      assertThat(nonEmpty).isGreaterThanOrEqualTo(7);
    }
  }
}
