package dev.hypnos.promql.parser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.labels.Matcher;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrinterTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '~',
      value = {
        "sum by() (x{job=\"s\"})|sum(x{job=\"s\"})",
        "sum without() (x)|sum without () (x)",
        "sum(x) by (a, \"b.c\")|sum by (a, \"b.c\") (x)",
        "topk(5, x)|topk(5, x)",
        "a + on() b|a + on () b",
        "a + ignoring() b|a + b",
        "a * on(x) group_left b|a * on (x) group_left () b",
        "a and on(x) b|a and on (x) b",
        "1 < bool 2|1 < bool 2",
        "foo{b=\"2\",a=\"1\"}|foo{a=\"1\",b=\"2\"}",
        "{__name__=\"foo\"}|{__name__=\"foo\"}",
        "foo offset 1h30m|foo offset 1h30m",
        "foo offset -7m|foo offset -7m",
        "foo @ 10|foo @ 10.000",
        "foo @ start() offset 5m|foo @ start() offset 5m",
        "foo[10m:] offset 5m @ end()|foo[10m:] @ end() offset 5m",
        "foo[90s:30s]|foo[1m30s:30s]",
        "foo[600]|foo[10m]",
        "1e3|1000",
        "0.000001|0.000001",
        "1e21|1000000000000000000000",
        "-Inf|-Inf",
        "'a\\'b'|\"a'b\"",
        "`raw\\`|\"raw\\\\\"",
        "-(1)|-(1)",
        "x[5m] anchored|x[5m] anchored",
        "x smoothed offset 1m|x smoothed offset 1m",
        "x[(1m+2m)*3]|x[(1m + 2m) * 3]",
        "x offset step()|x offset step()",
        "x offset + -1 - 2 @ 3 / y|x offset + + -1 - 2 @ 3.000 / y",
        "x offset +-110^0|x offset + + -110 ^ 0",
        "x offset -step()|x offset -step()",
        "x offset min_of(step(), 8888888881s)|x offset min_of(step(), 281y45w15h48m1s)",
        "x offset + -1 - 2 @ 3 > y|x @ 3.000 offset + + -1 - 2 > y",
        "a + fill(NaN) b|a + fill (NaN) b",
        "a + fill_right(1e-7) b|a + fill_right (1e-07) b",
      })
  void printsLikePrometheus(String in, String out) {
    Expr e = PromQLParser.parse(in, ParserOptions.ALL);
    assertThat(Printer.print(e)).isEqualTo(out);
    assertThat(e.toString()).isEqualTo(out);
    assertThat(Printer.canonical(PromQLParser.parse(out, ParserOptions.ALL)))
        .isEqualTo(Printer.canonical(e));
  }

  @Test
  void durationsAndFloats() {
    assertThat(Printer.formatDuration(0)).isEqualTo("0s");
    assertThat(Printer.formatDuration(1)).isEqualTo("1ms");
    assertThat(Printer.formatDuration(3_600_000L * 24 * 373 + 1500)).isEqualTo("1y1w1d1s500ms");
    assertThat(Printer.formatFloat(-0.0)).isEqualTo("-0");
    assertThat(Printer.formatFloat(123456789.125)).isEqualTo("123456789.125");
    assertThat(Printer.formatFloat(Double.NaN)).isEqualTo("NaN");
    assertThat(Printer.formatGoV(1e21)).isEqualTo("1e+21");
    assertThat(Printer.formatGoV(12345.5)).isEqualTo("12345.5");
  }

  @Test
  void builtTreesPrintWithoutPositions() {
    VectorSelector v = new VectorSelector(
        "up", List.of(Matcher.eq("job", "a"), Matcher.eq("__name__", "up")), 60_000, null,
        AtModifier.at(1500), false, false, false, PositionRange.NONE);
    assertThat(v.toString()).isEqualTo("up{job=\"a\"} @ 1.500 offset 1m");
    assertThat(Printer.stripPositions(PromQLParser.parse("up{job=\"a\"} @ 1.5 offset 1m")))
        .isEqualTo(v);
  }
}
