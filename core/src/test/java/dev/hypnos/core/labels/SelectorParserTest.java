package dev.hypnos.core.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Selector parsing. The expected error messages and positions were checked against Prometheus's
 * own parser (promtool 2.42 {@code check rules}), except for Prometheus 3 syntax (quoted names).
 */
class SelectorParserTest {

  private static List<String> parsed(String selector) {
    return SelectorParser.parse(selector).stream().map(Matcher::toString).toList();
  }

  @Test
  void metricNameAlone() {
    assertThat(SelectorParser.parse("up")).containsExactly(Matcher.eq("__name__", "up"));
    assertThat(parsed("job:http_requests:rate5m")).containsExactly("__name__=\"job:http_requests:rate5m\"");
    assertThat(parsed("  up \n")).containsExactly("__name__=\"up\"");
  }

  @Test
  void metricWithMatchersPutsTheNameMatcherLastAsPrometheusDoes() {
    assertThat(parsed("metric{a=\"b\", c=~\"d.*\"}")).containsExactly("a=\"b\"", "c=~\"d.*\"", "__name__=\"metric\"");
    assertThat(parsed("metric{}")).containsExactly("__name__=\"metric\"");
  }

  @Test
  void bracesOnly() {
    assertThat(parsed("{__name__=\"x\", a!=\"b\"}")).containsExactly("__name__=\"x\"", "a!=\"b\"");
    assertThat(parsed("{a=~\"x|y\", b!~\"z\"}")).containsExactly("a=~\"x|y\"", "b!~\"z\"");
    assertThat(parsed("{\n  a=\"b\", # a comment\n  c=\"d\"\n}")).containsExactly("a=\"b\"", "c=\"d\"");
  }

  @Test
  void trailingComma() {
    assertThat(parsed("{a=\"b\",}")).containsExactly("a=\"b\"");
    assertThat(parsed("m{a=\"b\" , c=\"d\" , }")).containsExactly("a=\"b\"", "c=\"d\"", "__name__=\"m\"");
  }

  @Test
  void quotingStyles() {
    assertThat(SelectorParser.parse("{a='b\"c'}").get(0).value()).isEqualTo("b\"c");
    assertThat(SelectorParser.parse("{a='it\\'s'}").get(0).value()).isEqualTo("it's");
    assertThat(SelectorParser.parse("{a=~`\\d+\\n`}").get(0).value()).isEqualTo("\\d+\\n");
    assertThat(SelectorParser.parse("{a=`multi\nline`}").get(0).value()).isEqualTo("multi\nline");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = "=>", quoteCharacter = '|', textBlock = """
      \\n                 => |\n|
      \\"                 => "
      \\\\                => \\
      \\u00e9             => é
      \\U0001F600         => \uD83D\uDE00
      \\x41               => A
      \\101               => A
      \\xc3\\xa9          => é
      \\303\\251          => é
      """)
  void escapeSequencesAsInPromqlStrings(String escaped, String expected) {
    assertThat(SelectorParser.parse("{a=\"" + escaped + "\"}").get(0).value()).isEqualTo(expected);
  }

  @Test
  void controlCharacterEscapes() {
    assertThat(SelectorParser.parse("{a=\"\\t\\r\\a\\b\\f\\v\"}").get(0).value()).isEqualTo("\t\r\u0007\b\f\u000b");
  }

  @Test
  void nulEscape() {
    assertThat(SelectorParser.parse("{a=\"a\\u0000b\"}").get(0).value()).isEqualTo("a\u0000b");
    assertThat(SelectorParser.parse("{a=\"a\\000b\"}").get(0).value()).isEqualTo("a\u0000b");
  }

  @Test
  void quotedNamesAsInPrometheus3() {
    assertThat(parsed("{\"my.metric\", a=\"b\"}")).containsExactly("__name__=\"my.metric\"", "a=\"b\"");
    assertThat(parsed("{\"my.metric\"}")).containsExactly("__name__=\"my.metric\"");
    assertThat(parsed("{a=\"b\", \"my.metric\"}")).containsExactly("a=\"b\"", "__name__=\"my.metric\"");
    assertThat(parsed("{\"my.label\"=\"v\", 'other-label'=~\"x\"}"))
        .containsExactly("\"my.label\"=\"v\"", "\"other-label\"=~\"x\"");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiterString = "=>", quoteCharacter = '|', textBlock = """
      foo{~"b"}                  => 1:5: parse error: unexpected character inside braces: '~'
      foo{a~"b"}                 => 1:6: parse error: unexpected character inside braces: '~'
      {                          => 1:2: parse error: unexpected end of input inside braces
      some{                      => 1:6: parse error: unexpected end of input inside braces
      }                          => 1:1: parse error: unexpected character: '}'
      some}                      => 1:5: parse error: unexpected character: '}'
      some_metric{a=b}           => 1:15: parse error: unexpected identifier "b" in label matching, expected string
      some_metric{a:b="b"}       => 1:14: parse error: unexpected character inside braces: ':'
      foo{a*"b"}                 => 1:6: parse error: unexpected character inside braces: '*'
      foo{a>="b"}                => 1:6: parse error: unexpected character inside braces: '>'
      foo{gibberish}             => 1:14: parse error: unexpected "}" in label matching, expected label matching operator
      foo{1}                     => 1:5: parse error: unexpected character inside braces: '1'
      {}                         => 1:1: parse error: vector selector must contain at least one non-empty matcher
      {x=""}                     => 1:1: parse error: vector selector must contain at least one non-empty matcher
      {x=~".*"}                  => 1:1: parse error: vector selector must contain at least one non-empty matcher
      {x!~".+"}                  => 1:1: parse error: vector selector must contain at least one non-empty matcher
      {x!="a"}                   => 1:1: parse error: vector selector must contain at least one non-empty matcher
      {x=~"a|"}                  => 1:1: parse error: vector selector must contain at least one non-empty matcher
      foo{__name__="bar"}        => 1:1: parse error: metric name must not be set twice: "foo" or "bar"
      foo{__name__= =}           => 1:15: parse error: unexpected "=" in label matching, expected string
      foo{,}                     => 1:5: parse error: unexpected "," in label matching, expected identifier or "}"
      foo{__name__ == "bar"}     => 1:15: parse error: unexpected "=" in label matching, expected string
      foo{__name__="bar" lol}    => 1:20: parse error: unexpected identifier "lol" in label matching, expected "," or "}"
      foo{"a"=}                  => 1:9: parse error: unexpected "}" in label matching, expected string
      foo{a=~=~"b"}              => 1:8: parse error: unexpected <op:=~> in label matching, expected string
      foo{a="b" "c"="d"}         => 1:11: parse error: unexpected string "\\"c\\"" in label matching, expected "," or "}"
      foo{a="b" "longer.name"}   => 1:11: parse error: unexpected string "\\"longer.na"... in label matching, expected "," or "}"
      {a="b                      => 1:4: parse error: unterminated quoted string
      {a=`b                      => 1:4: parse error: unterminated raw string
      {a="\\q"}                  => 1:4: parse error: unknown escape sequence U+0071 'q'
      {a="\\'"}                  => 1:4: parse error: unknown escape sequence U+0027 '''
      {a="\\ud800"}              => 1:4: parse error: escape sequence is an invalid Unicode code point
      {a="\\400"}                => 1:4: parse error: escape sequence is an invalid Unicode code point
      {a="\\x4g"}                => 1:4: parse error: illegal character U+0067 'g' in escape sequence
      {a!b}                      => 1:3: parse error: unexpected character after '!' inside braces: 'b'
      {a={}                      => 1:4: parse error: unexpected left brace '{'
      {a=~"(foo"}                => 1:2: parse error: error parsing regexp: missing closing ): `(foo`
      x{b=~"a**"}                => 1:3: parse error: error parsing regexp: invalid nested repetition operator: `**`
      ||                         => 1:1: parse error: no expression found in input
      foo bar                    => 1:5: parse error: unexpected identifier "bar"
      {a="b"} x                  => 1:9: parse error: unexpected identifier "x"
      foo("b")                   => 1:4: parse error: unexpected character: '('
      """)
  void errorsCarryPositionAndPrometheusMessage(String selector, String message) {
    assertThatThrownBy(() -> SelectorParser.parse(selector))
        .isInstanceOf(SelectorParseException.class)
        .hasMessage(message);
  }

  @Test
  void positionsCountLinesAndUtf8Bytes() {
    assertThatThrownBy(() -> SelectorParser.parse("{\n  a~\"b\"}"))
        .isInstanceOfSatisfying(SelectorParseException.class, e -> {
          assertThat(e.line()).isEqualTo(2);
          assertThat(e.column()).isEqualTo(4);
          assertThat(e.detail()).isEqualTo("unexpected character inside braces: '~'");
        })
        .hasMessage("2:4: parse error: unexpected character inside braces: '~'");
    // "é" is two bytes in UTF-8: Prometheus's columns count bytes.
    assertThatThrownBy(() -> SelectorParser.parse("{a=\"é\" ~}"))
        .hasMessage("1:9: parse error: unexpected character inside braces: '~'");
  }

  @Test
  void regexErrorKeepsTheSyntaxExceptionAsCause() {
    assertThatThrownBy(() -> SelectorParser.parse("{job=~\"(?=x)\"}"))
        .isInstanceOf(SelectorParseException.class)
        .hasMessageStartingWith("1:2: parse error: error parsing regexp: invalid or unsupported Perl syntax: `(?=`")
        .hasRootCauseInstanceOf(RegexSyntaxException.class);
  }
}
