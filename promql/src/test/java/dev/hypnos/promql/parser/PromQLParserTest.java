package dev.hypnos.promql.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.promql.parser.Expr.AggregateExpr;
import dev.hypnos.promql.parser.Expr.BinaryExpr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.Cardinality;
import dev.hypnos.promql.parser.Expr.DurationExpr;
import dev.hypnos.promql.parser.Expr.DurationOp;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.NumberLiteral;
import dev.hypnos.promql.parser.Expr.ParenExpr;
import dev.hypnos.promql.parser.Expr.StringLiteral;
import dev.hypnos.promql.parser.Expr.SubqueryExpr;
import dev.hypnos.promql.parser.Expr.UnaryExpr;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PromQLParserTest {
  private static Expr parse(String q) {
    return PromQLParser.parse(q, ParserOptions.ALL);
  }

  private static double num(String q) {
    return ((NumberLiteral) parse(q)).value();
  }

  private static String error(String q) {
    try {
      PromQLParser.parse(q, ParserOptions.ALL);
    } catch (ParseException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a parse error for " + q);
  }

  @Test
  void numbers() {
    assertThat(num("1")).isEqualTo(1.0);
    assertThat(num("0x1F")).isEqualTo(31.0);
    assertThat(num("1_000")).isEqualTo(1000.0);
    assertThat(num("010")).isEqualTo(8.0); // Go's base detection: octal
    assertThat(num("1e3")).isEqualTo(1000.0);
    assertThat(num(".5")).isEqualTo(0.5);
    assertThat(num("5.")).isEqualTo(5.0);
    assertThat(num("Inf")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(num("-inf")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(num("NaN")).isNaN();
    assertThat(num("-1")).isEqualTo(-1.0);
    assertThat(num("+1")).isEqualTo(1.0);
    NumberLiteral d = (NumberLiteral) parse("1h30m");
    assertThat(d.value()).isEqualTo(5400.0);
    assertThat(d.duration()).isTrue();
    assertThat(d.toString()).isEqualTo("1h30m");
  }

  @Test
  void strings() {
    assertThat(((StringLiteral) parse("\"a\\n\\x41\\u00e9\\\"\"")).value()).isEqualTo("a\nAé\"");
    assertThat(((StringLiteral) parse("'it\\'s'")).value()).isEqualTo("it's");
    assertThat(((StringLiteral) parse("`raw\\n`")).value()).isEqualTo("raw\\n");
    assertThat(((StringLiteral) parse("\"\\101\"")).value()).isEqualTo("A");
  }

  @Test
  void precedenceAndAssociativity() {
    assertThat(parse("1 + 2 * 3").toString()).isEqualTo("1 + 2 * 3");
    BinaryExpr b = (BinaryExpr) parse("a + b * c");
    assertThat(b.op()).isEqualTo(BinaryOp.ADD);
    assertThat(((BinaryExpr) b.rhs()).op()).isEqualTo(BinaryOp.MUL);
    BinaryExpr pow = (BinaryExpr) parse("a ^ b ^ c");
    assertThat(pow.lhs()).isInstanceOf(VectorSelector.class);
    assertThat(((BinaryExpr) pow.rhs()).op()).isEqualTo(BinaryOp.POW);
    BinaryExpr sub = (BinaryExpr) parse("a - b - c");
    assertThat(((BinaryExpr) sub.lhs()).op()).isEqualTo(BinaryOp.SUB);
    BinaryExpr or = (BinaryExpr) parse("a or b and c unless d");
    assertThat(or.op()).isEqualTo(BinaryOp.OR);
    assertThat(((BinaryExpr) or.rhs()).op()).isEqualTo(BinaryOp.UNLESS);
    BinaryExpr cmp = (BinaryExpr) parse("a > b + 1");
    assertThat(cmp.op()).isEqualTo(BinaryOp.GTR);
    BinaryExpr atan = (BinaryExpr) parse("a atan2 b + c");
    assertThat(atan.op()).isEqualTo(BinaryOp.ADD);
  }

  @Test
  void unaryBindsLikeMultiplicationButBelowPower() {
    UnaryExpr u = (UnaryExpr) parse("-a ^ b");
    assertThat(u.expr()).isInstanceOf(BinaryExpr.class);
    BinaryExpr m = (BinaryExpr) parse("-a * b");
    assertThat(m.lhs()).isInstanceOf(UnaryExpr.class);
    assertThat(parse("-1 ^ 2")).isInstanceOf(UnaryExpr.class);
    assertThat(parse("-foo offset 5m")).isInstanceOf(UnaryExpr.class);
  }

  @Test
  void vectorSelectors() {
    VectorSelector v = (VectorSelector) parse("foo{a=\"b\", c!=\"d\", e=~\"f.*\", g!~'h',}");
    assertThat(v.name()).isEqualTo("foo");
    assertThat(v.matchers())
        .containsExactly(
            Matcher.eq("a", "b"),
            Matcher.neq("c", "d"),
            Matcher.re("e", "f.*"),
            Matcher.nre("g", "h"),
            Matcher.eq("__name__", "foo"));
    VectorSelector u = (VectorSelector) parse("{\"my.metric\", \"a.b\"=\"x\"}");
    assertThat(u.name()).isNull();
    assertThat(u.matchers())
        .containsExactly(Matcher.eq("__name__", "my.metric"), Matcher.eq("a.b", "x"));
    assertThat(u.toString()).isEqualTo("{\"a.b\"=\"x\",__name__=\"my.metric\"}");
    VectorSelector kw = (VectorSelector) parse("sum");
    assertThat(kw.name()).isEqualTo("sum");
    VectorSelector colon = (VectorSelector) parse("job:rate:5m");
    assertThat(colon.name()).isEqualTo("job:rate:5m");
  }

  @Test
  void matrixSubqueryOffsetAt() {
    MatrixSelector m = (MatrixSelector) parse("foo[1h30m] offset -5m @ 100.5");
    assertThat(m.rangeMs()).isEqualTo(5_400_000);
    assertThat(m.selector().offsetMs()).isEqualTo(-300_000);
    assertThat(m.selector().at()).isEqualTo(AtModifier.at(100_500));
    assertThat(m.toString()).isEqualTo("foo[1h30m] @ 100.500 offset -5m");
    MatrixSelector bare = (MatrixSelector) parse("foo[600]");
    assertThat(bare.rangeMs()).isEqualTo(600_000);
    SubqueryExpr s = (SubqueryExpr) parse("rate(foo[5m])[1h:1m] @ start() offset 1d");
    assertThat(s.rangeMs()).isEqualTo(3_600_000);
    assertThat(s.stepMs()).isEqualTo(60_000);
    assertThat(s.offsetMs()).isEqualTo(86_400_000);
    assertThat(s.at()).isEqualTo(AtModifier.START);
    assertThat(((SubqueryExpr) parse("foo[5m:]")).stepMs()).isZero();
    VectorSelector e = (VectorSelector) parse("foo @ end()");
    assertThat(e.at()).isEqualTo(AtModifier.END);
    VectorSelector neg = (VectorSelector) parse("foo @ -1.0005");
    assertThat(neg.at()).isEqualTo(AtModifier.at(-1001)); // Go rounds half away from zero
  }

  @Test
  void aggregations() {
    AggregateExpr a = (AggregateExpr) parse("sum by (job, \"a.b\") (rate(x[5m]))");
    assertThat(a.op()).isEqualTo(AggregateOp.SUM);
    assertThat(a.grouping()).containsExactly("job", "a.b");
    assertThat(a.without()).isFalse();
    AggregateExpr after = (AggregateExpr) parse("SUM(x) WITHOUT (instance)");
    assertThat(after.without()).isTrue();
    assertThat(after.toString()).isEqualTo("sum without (instance) (x)");
    AggregateExpr topk = (AggregateExpr) parse("topk(3, x)");
    assertThat(topk.param()).isEqualTo(new NumberLiteral(3, false, new PositionRange(5, 6)));
    AggregateExpr cv = (AggregateExpr) parse("count_values(\"v\", x)");
    assertThat(cv.param()).isInstanceOf(StringLiteral.class);
    AggregateExpr kwLabels = (AggregateExpr) parse("sum by (on, offset, bool) (x)");
    assertThat(kwLabels.grouping()).containsExactly("on", "offset", "bool");
  }

  @Test
  void binaryModifiers() {
    BinaryExpr b = (BinaryExpr) parse("a * on (x, y) group_left (z) b");
    assertThat(b.matching().card()).isEqualTo(Cardinality.MANY_TO_ONE);
    assertThat(b.matching().on()).isTrue();
    assertThat(b.matching().matchingLabels()).containsExactly("x", "y");
    assertThat(b.matching().include()).containsExactly("z");
    BinaryExpr r = (BinaryExpr) parse("a / ignoring (x) group_right b");
    assertThat(r.matching().card()).isEqualTo(Cardinality.ONE_TO_MANY);
    assertThat(r.matching().on()).isFalse();
    BinaryExpr set = (BinaryExpr) parse("a and b");
    assertThat(set.matching().card()).isEqualTo(Cardinality.MANY_TO_MANY);
    BinaryExpr scalar = (BinaryExpr) parse("1 + a");
    assertThat(scalar.matching()).isNull();
    BinaryExpr bool = (BinaryExpr) parse("1 == bool 2");
    assertThat(bool.returnBool()).isTrue();
    assertThat(bool.type()).isEqualTo(ValueType.SCALAR);
    BinaryExpr fill = (BinaryExpr) parse("a + fill_left(5) fill_right(-7) b");
    assertThat(fill.matching().fill()).isEqualTo(new Expr.FillValues(5.0, -7.0));
    assertThat(fill.toString()).isEqualTo("a + fill_left (5) fill_right (-7) b");
    assertThat(parse("a + fill(0) b").toString()).isEqualTo("a + fill (0) b");
    // "fill" not followed by "(" is an ordinary metric name
    assertThat(((BinaryExpr) parse("a + fill")).rhs()).isInstanceOf(VectorSelector.class);
  }

  @Test
  void callsAndComments() {
    Call c = (Call) parse("label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\") # comment");
    assertThat(c.function().name()).isEqualTo("label_replace");
    assertThat(c.args()).hasSize(5);
    Call t = (Call) parse("time()");
    assertThat(t.type()).isEqualTo(ValueType.SCALAR);
    Call hour = (Call) parse("hour()");
    assertThat(hour.args()).isEmpty();
    assertThat(parse("(\n  # c\n  1\n)")).isInstanceOf(ParenExpr.class);
  }

  @Test
  void extendedRangeSelectorsAndDurationExpressions() {
    Call c = (Call) parse("rate(x[1m] anchored)");
    assertThat(((MatrixSelector) c.args().get(0)).selector().anchored()).isTrue();
    assertThat(c.toString()).isEqualTo("rate(x[1m] anchored)");
    MatrixSelector m = (MatrixSelector) parse("x[2m*(10+5)]");
    DurationExpr d = m.rangeExpr();
    assertThat(d).isNotNull();
    assertThat(d.op()).isEqualTo(DurationOp.MUL);
    assertThat(Durations.millis(d, 0, 0, false)).isEqualTo(1_800_000);
    assertThat(m.toString()).isEqualTo("x[2m * (10 + 5)]");
    MatrixSelector step = (MatrixSelector) parse("x[step()+1ms]");
    assertThat(Durations.millis(step.rangeExpr(), 10_000, 0, false)).isEqualTo(10_001);
    // "offset 2 ^ 2" is "(x offset 2) ^ 2"
    BinaryExpr pow = (BinaryExpr) parse("x offset 2 ^ 2");
    assertThat(((VectorSelector) pow.lhs()).offsetMs()).isEqualTo(2000);
    VectorSelector off = (VectorSelector) parse("x offset (100 + 2)");
    assertThat(off.offsetExpr()).isNotNull();
    Expr resolved = Durations.resolve(off, 0, 0);
    assertThat(((VectorSelector) resolved).offsetMs()).isEqualTo(102_000);
    BinaryExpr minOf = (BinaryExpr) parse("x offset -min_of(step(), 1s) + 8000");
    assertThat(((VectorSelector) minOf.lhs()).offsetExpr()).isNotNull();
    assertThat(Durations.millis(((VectorSelector) minOf.lhs()).offsetExpr(), 5000, 0, true))
        .isEqualTo(-1000);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '~',
      value = {
        "1 +|1:4: parse error: unexpected end of input",
        "1 + * 2|1:5: parse error: unexpected <op:*>",
        "(1))|1:5: parse error: unexpected right parenthesis ')'",
        "(1|1:3: parse error: unclosed left parenthesis",
        "1 and 1|1:1: parse error: set operator \"and\" not allowed in binary scalar expression",
        "1 == 1|1:3: parse error: comparisons between scalars must use BOOL modifier",
        "{}|1:1: parse error: vector selector must contain at least one non-empty matcher",
        "{a=\"\"}|1:1: parse error: vector selector must contain at least one non-empty matcher",
        "foo{__name__=\"bar\"}|1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\"",
        "rate(foo)|1:6: parse error: expected type range vector in call to function \"rate\", got instant vector",
        "foo()|1:1: parse error: unknown function with name \"foo\"",
        "floor()|1:1: parse error: expected 1 argument(s) in call to \"floor\", got 0",
        "hour(a, b, c)|1:1: parse error: expected at most 1 argument(s) in call to \"hour\", got 3",
        "sum()|1:1: parse error: no arguments for aggregate expression provided",
        "topk(a)|1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1",
        "topk(some_metric, other_metric)|1:6: parse error: expected type scalar in aggregation parameter, got instant vector",
        "foo offset 1s offset 2s|1:1: parse error: offset may not be set multiple times",
        "foo[5m] offset 1m [1m]|1:19: parse error: ranges only allowed for vector selectors",
        "foo offset 5m[1m]|1:14: parse error: no offset modifiers allowed before range",
        "foo @ 1 [1m]|1:9: parse error: no @ modifiers allowed before range",
        "foo[0m]|1:5: parse error: duration must be greater than 0",
        "foo[5m1h]|1:5: parse error: not a valid duration string: \"5m1h\"",
        "foo[]|1:5: parse error: unexpected \"]\" in subquery or range selector, expected number, duration, step(), or range()",
        "foo[step]|1:9: parse error: unexpected \"]\" in subquery or range selector, expected number, duration, step(), or range()",
        "foo offset|1:11: parse error: unexpected end of input in offset, expected number, duration, step(), or range()",
        "foo @|1:6: parse error: unexpected end of input in @, expected timestamp",
        "foo @ Inf|1:1: parse error: timestamp out of bounds for @ modifier: +Inf",
        "sum(x) offset 5m|1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
        "rate(x[5m])[1m:] [2m:]|1:1: parse error: subquery is only allowed on instant vector, got matrix instead",
        "foo{a=b}|1:7: parse error: unexpected identifier \"b\" in label matching, expected string",
        "foo{a}|1:6: parse error: unexpected \"}\" in label matching, expected label matching operator",
        "foo{a=~\"b\"|1:11: parse error: unexpected end of input inside braces",
        "\"abc|1:1: parse error: unterminated quoted string",
        "\"\\c\"|1:1: parse error: unknown escape sequence U+0063 'c'",
        "1 !~ 2|1:3: parse error: unexpected character after '!': '~'",
        "sum by test (x)|1:8: parse error: unexpected identifier \"test\" in grouping opts, expected \"(\"",
        "a + on(x) group_left(x) b|1:3: parse error: label \"x\" must not occur in ON and GROUP clause at once",
        "a and on(x) group_left b|1:1: parse error: no grouping allowed for \"and\" operation",
        "1 + on(x) a|1:1: parse error: vector matching only allowed between instant vectors",
        "a + bool b|1:3: parse error: bool modifier can only be used on comparison operators",
        "-\"s\"|1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"string\"",
        "f(1,)|1:4: parse error: trailing commas not allowed in function call args",
        "foo(|1:5: parse error: unclosed left parenthesis",
        "foo(1,|1:7: parse error: unclosed left parenthesis",
        "foo(1 +)|1:8: parse error: unexpected \")\"",
        "a>b()|1:3: parse error: unknown function with name \"b\"",
        "floor(1,)|1:8: parse error: trailing commas not allowed in function call args",
        "foo[5m:1m:1m]|1:10: parse error: unexpected colon ':'",
        "2.5.|1:1: parse error: bad number or duration syntax: \"2.5.\"",
        "foo{a=~\"(\"}|1:5: parse error: error parsing regexp: missing closing ): `(`",
      })
  void errorMessagesMatchPrometheus(String query, String message) {
    assertThat(error(query)).isEqualTo(message);
  }

  @Test
  void emptyInput() {
    assertThat(error("")).isEqualTo("unknown position: parse error: no expression found in input");
    assertThat(error("# only a comment"))
        .isEqualTo("1:1: parse error: no expression found in input");
  }

  @Test
  void multiLinePositionsCountLinesAndUtf8Bytes() {
    assertThat(error("foo\n  + ")).isEqualTo("2:5: parse error: unexpected end of input");
    assertThat(error("{a=\"é\"} + *")).isEqualTo("1:12: parse error: unexpected <op:*>");
  }

  @Test
  void featureFlags() {
    ParserOptions none = ParserOptions.DEFAULT;
    assertThatThrownBy(() -> PromQLParser.parse("sort_by_label(x, \"a\")", none))
        .hasMessage("1:1: parse error: function \"sort_by_label\" is not enabled");
    assertThatThrownBy(() -> PromQLParser.parse("limitk(1, x)", none))
        .hasMessage(
            "1:1: parse error: limitk() is experimental and must be enabled with"
                + " --enable-feature=promql-experimental-functions");
    assertThatThrownBy(() -> PromQLParser.parse("x[1m+1m]", none))
        .hasMessage("1:3: parse error: experimental duration expression is not enabled");
    assertThatThrownBy(() -> PromQLParser.parse("rate(x[1m] smoothed)", none))
        .hasMessage("1:6: parse error: smoothed modifier is experimental and not enabled");
    assertThatThrownBy(() -> PromQLParser.parse("a + fill(1) b", none))
        .hasMessage("1:1: parse error: binop fill modifiers are experimental and not enabled");
    // only the needed feature
    ParserOptions exp = new ParserOptions(Set.of(ParserOptions.EXPERIMENTAL_FUNCTIONS));
    assertThat(PromQLParser.parse("sort_by_label(x, \"a\")", exp)).isInstanceOf(Call.class);
    assertThat(PromQLParser.parse("x offset -5m", none)).isInstanceOf(VectorSelector.class);
  }

  @Test
  void infoSecondArgumentSkipsEmptyMatcherCheck() {
    Call c = (Call) parse("info(up, {k=~\".*\"})");
    VectorSelector vs = (VectorSelector) c.args().get(1);
    assertThat(vs.bypassEmptyMatcherCheck()).isTrue();
    assertThat(error("info(up, foo{k=\"v\"})"))
        .isEqualTo("1:10: parse error: expected label selectors only, got vector selector instead");
  }

  @Test
  void positions() {
    BinaryExpr b = (BinaryExpr) parse("foo + rate(bar[5m])");
    assertThat(b.position()).isEqualTo(new PositionRange(0, 19));
    assertThat(b.lhs().position()).isEqualTo(new PositionRange(0, 3));
    assertThat(b.rhs().position()).isEqualTo(new PositionRange(6, 19));
    Call c = (Call) b.rhs();
    assertThat(c.args().get(0).position()).isEqualTo(new PositionRange(11, 18));
  }

  @Test
  void matchTypesOfRegexMatchers() {
    VectorSelector v = (VectorSelector) parse("{job=~\"a|b\"}");
    assertThat(v.matchers().get(0).type()).isEqualTo(MatchType.RE);
    assertThat(v.matchers().get(0).matches("b")).isTrue();
  }

  @Test
  void functionTableKnowsArgumentTypes() {
    assertThat(Function.lookup("rate").argTypes()).containsExactly(ValueType.MATRIX);
    assertThat(Function.lookup("histogram_quantiles").variadic()).isEqualTo(9);
    assertThat(Function.lookup("label_join").variadic()).isEqualTo(-1);
    assertThat(Function.lookup("info").experimental()).isTrue();
    assertThat(Function.lookup("nope")).isNull();
    assertThat(Function.all()).hasSizeGreaterThanOrEqualTo(90);
    assertThat(List.of(AggregateOp.values())).hasSize(14);
  }

  @Test
  void absurdNestingIsRefusedInsteadOfOverflowingTheStack() {
    String deepParens = "(".repeat(5000) + "1" + ")".repeat(5000);
    assertThat(error(deepParens)).contains("query is nested too deeply");
    String longChain = "1" + " + 1".repeat(20_000);
    assertThat(error(longChain)).contains("query is nested too deeply");
    String deepDuration = "x[" + "(".repeat(3000) + "1" + ")".repeat(3000) + "]";
    assertThat(error(deepDuration)).contains("query is nested too deeply");
    String ok = "(".repeat(200) + "1" + ")".repeat(200) + " + 1".repeat(500);
    assertThat(parse(ok)).isInstanceOf(BinaryExpr.class);
  }
}
