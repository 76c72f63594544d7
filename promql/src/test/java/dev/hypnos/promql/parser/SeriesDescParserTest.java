package dev.hypnos.promql.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.parser.SeriesDesc.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SeriesDescParserTest {
  private static List<Double> floats(SeriesDesc d) {
    List<Double> out = new ArrayList<>();
    for (Value v : d.values()) {
      out.add(v.omitted() ? null : v.value());
    }
    return out;
  }

  @Test
  void expandsRepetitionsIncrementsBlanksAndStaleMarkers() {
    SeriesDesc d = SeriesDescParser.parse("metric{a=\"b\"} 1+1x3 _ stale 3 -2x2 1e3+0x1 _x2 5-1x2");
    assertThat((Object) d.labels()).isEqualTo(Labels.of("__name__", "metric", "a", "b"));
    List<Value> v = d.values();
    assertThat(v).hasSize(4 + 1 + 1 + 1 + 3 + 2 + 2 + 3);
    assertThat(floats(d).subList(0, 4)).containsExactly(1.0, 2.0, 3.0, 4.0);
    assertThat(v.get(4).omitted()).isTrue();
    assertThat(v.get(5).isStale()).isTrue();
    assertThat(v.get(5).value()).isNaN();
    assertThat(v.get(6)).isEqualTo(Value.of(3));
    assertThat(floats(d).subList(7, 12)).containsExactly(-2.0, -2.0, -2.0, 1000.0, 1000.0);
    assertThat(v.get(12).omitted()).isTrue();
    assertThat(v.get(13).omitted()).isTrue();
    assertThat(floats(d).subList(14, 17)).containsExactly(5.0, 4.0, 3.0);
  }

  @Test
  void incrementsAddStepByStepInFloatArithmetic() {
    SeriesDesc d = SeriesDescParser.parse("x 0+0.1x3");
    double acc = 0;
    List<Double> want = new ArrayList<>();
    for (int i = 0; i <= 3; i++) {
      want.add(acc);
      acc += 0.1;
    }
    assertThat(floats(d)).containsExactlyElementsOf(want);
  }

  @Test
  void specialValuesAndSignedIncrements() {
    SeriesDesc d = SeriesDescParser.parse("{__name__=\"m\", b='x y'} Inf -Inf NaN +5 -5+1x1 1e-3");
    assertThat((Object) d.labels()).isEqualTo(Labels.of("__name__", "m", "b", "x y"));
    List<Double> f = floats(d);
    assertThat(f.get(0)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(f.get(1)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(f.get(2)).isNaN();
    assertThat(d.values().get(2).isStale()).isFalse();
    assertThat(f.subList(3, 7)).containsExactly(5.0, -5.0, -4.0, 0.001);
  }

  @Test
  void quotedUtf8NamesAndBracesInValues() {
    SeriesDesc d = SeriesDescParser.parse("{\"my.metric\", \"a.b\"=\"{x, y}\",} 1");
    assertThat((Object) d.labels()).isEqualTo(Labels.of("__name__", "my.metric", "a.b", "{x, y}"));
    assertThat(floats(d)).containsExactly(1.0);
  }

  @Test
  void histograms() {
    SeriesDesc d = SeriesDescParser.parse(
        "h {{schema:1 sum:3 count:22 buckets:[5 10 7] offset:-1 counter_reset_hint:gauge}}x1"
            + " {{}} {{sum:1 count:1 buckets:[1]}}+{{sum:2 count:1 buckets:[1] offset:1}}x2");
    assertThat(d.values()).hasSize(2 + 1 + 3);
    HistogramSpec h = d.values().get(0).histogram();
    assertThat(h).isNotNull();
    assertThat(h.schema()).isEqualTo(1);
    assertThat(h.sum()).isEqualTo(3.0);
    assertThat(h.count()).isEqualTo(22.0);
    assertThat(h.positiveOffset()).isEqualTo(-1);
    assertThat(h.positiveBuckets()).containsExactly(5.0, 10.0, 7.0);
    assertThat(h.counterResetHint()).isEqualTo(HistogramSpec.CounterResetHint.GAUGE);
    assertThat(h.counterResetHintSet()).isTrue();
    assertThat(d.values().get(2).histogram().count()).isZero();
    HistogramSpec last = d.values().get(5).histogram();
    assertThat(last.sum()).isEqualTo(5.0);
    assertThat(last.count()).isEqualTo(3.0);
    assertThat(last.positiveOffset()).isEqualTo(0);
    assertThat(last.positiveBuckets()).containsExactly(1.0, 2.0);
  }

  @Test
  void histogramIncrementAtHigherSchemaIsReduced() {
    HistogramSpec a = SeriesDescParser.parse("h {{schema:0 buckets:[1 1] offset:1}}")
        .values().get(0).histogram();
    HistogramSpec b = SeriesDescParser.parse("h {{schema:1 buckets:[1 1 1 1] offset:1}}")
        .values().get(0).histogram();
    HistogramSpec sum = a.combine(b, 1);
    // schema-1 buckets 1,2 merge into schema-0 bucket 1; 3,4 into bucket 2
    assertThat(sum.positiveOffset()).isEqualTo(1);
    assertThat(sum.positiveBuckets()).containsExactly(3.0, 3.0);
    assertThatThrownBy(() -> b.combine(a, 1)).hasMessageContaining("cannot merge from schema 0 to 1");
  }

  @Test
  void errors() {
    assertThatThrownBy(() -> SeriesDescParser.parse("m{a=\"b\" 1"))
        .isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> SeriesDescParser.parse("m 1+1"))
        .isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> SeriesDescParser.parse("m abc"))
        .isInstanceOf(ParseException.class)
        .hasMessageContaining("bad number syntax");
    assertThatThrownBy(() -> SeriesDescParser.parse("m{a=~\"b\"} 1"))
        .isInstanceOf(ParseException.class)
        .hasMessageContaining("unexpected");
    assertThatThrownBy(() -> SeriesDescParser.parse("m {{sum:1 sum:2}}"))
        .hasMessageContaining("duplicate key \"sum\" in histogram");
  }

  @Test
  void everyLoadLineOfTheConformanceScriptsParses() throws IOException {
    Path dir = ConformanceExpressionsTest.testdataDir();
    assumeTrue(Files.isDirectory(dir), "PromQL conformance test data not found at " + dir);
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".test")).sorted().toList();
    }
    int parsed = 0;
    List<String> failures = new ArrayList<>();
    for (Path f : files) {
      boolean inLoad = false;
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        String l = lines.get(i).trim();
        if (l.startsWith("load")) {
          inLoad = true;
          continue;
        }
        if (l.isEmpty() || l.startsWith("#") || l.startsWith("eval") || l.startsWith("clear")) {
          inLoad = false;
          continue;
        }
        if (!inLoad || l.matches("^\\S*@st\\s.*")) {
          continue;
        }
        try {
          SeriesDesc d = SeriesDescParser.parse(l);
          assertThat(d.values()).isNotEmpty();
          parsed++;
        } catch (RuntimeException e) {
          failures.add(f.getFileName() + ":" + (i + 1) + " " + l + " -> " + e.getMessage());
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(parsed).isGreaterThan(500);
  }
}
