package dev.hypnos.promql.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.labels.Matcher;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExprsTest {
  @Test
  void walkVisitsInPreOrderAndCollectsSelectors() {
    Expr e = PromQLParser.parse("topk(2, rate(a[5m])) / on (x) (b{c=\"d\"} + 1)");
    List<String> kinds = new ArrayList<>();
    Exprs.walk(e, n -> kinds.add(n.getClass().getSimpleName()));
    assertThat(kinds)
        .containsExactly(
            "BinaryExpr", "AggregateExpr", "NumberLiteral", "Call", "MatrixSelector",
            "VectorSelector", "ParenExpr", "BinaryExpr", "VectorSelector", "NumberLiteral");
    assertThat(Exprs.selectors(e))
        .containsExactly(
            List.of(Matcher.eq("__name__", "a")),
            List.of(Matcher.eq("c", "d"), Matcher.eq("__name__", "b")));
  }

  @Test
  void durationParsing() {
    assertThat(Durations.parseMillis("1m30s")).isEqualTo(90_000);
    assertThat(Durations.parseMillis("10s53ms")).isEqualTo(10_053);
    assertThat(Durations.parseMillis("1y")).isEqualTo(365L * 86_400_000);
    assertThat(Durations.parseMillis("0")).isZero();
    assertThatThrownBy(() -> Durations.parseMillis("5m1h"))
        .hasMessage("not a valid duration string: \"5m1h\"");
    assertThatThrownBy(() -> Durations.parseMillis("1x"))
        .hasMessage("unknown unit \"x\" in duration \"1x\"");
    assertThatThrownBy(() -> Durations.parseMillis("")).hasMessage("empty duration string");
  }

  @Test
  void durationExpressionErrorsAtEvaluation() {
    Expr.DurationExpr d = ((Expr.MatrixSelector) PromQLParser.parse(
        "x[step() - 1s]", ParserOptions.ALL)).rangeExpr();
    assertThat(Durations.millis(d, 5000, 0, false)).isEqualTo(4000);
    assertThatThrownBy(() -> Durations.millis(d, 1000, 0, false))
        .hasMessageContaining("duration must be greater than 0");
    assertThatThrownBy(() -> Durations.resolve(
            PromQLParser.parse("x[1m:1m/step()]", ParserOptions.ALL), 0, 0))
        .hasMessageContaining("division by zero");
  }
}
