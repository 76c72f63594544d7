package dev.hypnos.core.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatcherTest {

  /** type, regex or value (as written), label value (\\n and \\uXXXX decoded), expected. */
  @ParameterizedTest(name = "[{index}] {0} {1} on {2}")
  @CsvSource(delimiterString = "=>", quoteCharacter = '|', textBlock = """
      EQ   => foo          => foo       => true
      EQ   => foo          => foobar    => false
      EQ   => ||           => ||        => true
      EQ   => ||           => x         => false
      NEQ  => ||           => ||        => false
      NEQ  => ||           => x         => true
      NEQ  => foo          => foo       => false
      RE   => foo          => foo       => true
      RE   => foo          => foobar    => false
      RE   => foo          => xfoo      => false
      RE   => foo|bar      => bar       => true
      RE   => foo|bar      => foobar    => false
      RE   => foo|bar      => ||        => false
      RE   => ||           => ||        => true
      RE   => ||           => x         => false
      RE   => a|           => ||        => true
      RE   => .*           => ||        => true
      RE   => .+           => ||        => false
      RE   => .?           => ||        => true
      NRE  => .+           => ||        => true
      NRE  => foo          => foo       => false
      NRE  => foo          => foobar    => true
      NRE  => foo|bar      => baz       => true
      RE   => .            => \\n       => true
      RE   => a.c          => a\\nc     => true
      RE   => (?-s).       => \\n       => false
      RE   => (?-s:a.c)    => a\\nc     => false
      RE   => [^a]         => \\n       => true
      RE   => foo$         => foo       => true
      RE   => foo$         => foo\\n    => false
      RE   => (?m)foo$\\n  => foo\\n    => true
      RE   => (?i)foo      => FoO       => true
      RE   => (?i)foo      => FoOo      => false
      RE   => (?i:F)oo     => foo       => true
      RE   => (?i:F)oo     => fOO       => false
      RE   => [[:digit:]]+ => 123       => true
      RE   => [[:digit:]]+ => 12a       => false
      RE   => \\d+         => ١٢٣       => false
      RE   => \\p{Nd}+     => ١٢٣       => true
      RE   => \\w+         => héllo     => false
      RE   => \\pL+        => héllo     => true
      RE   => [a-z]+       => héllo     => false
      RE   => \\s          => \\u000b   => false
      RE   => [[:space:]]  => \\u000b   => true
      RE   => é            => é         => true
      RE   => .            => é         => true
      RE   => .            => \\uD83D\\uDE00 => true
      RE   => ..           => \\uD83D\\uDE00 => false
      RE   => [😀-🙏]      => \\uD83D\\uDE03 => true
      RE   => 日本.*       => 日本語    => true
      RE   => \\bfoo\\b    => foo       => true
      RE   => .*\\bfoo     => a foo     => true
      RE   => .*\\bfoo     => afoo      => false
      RE   => a{2,3}       => aaaa      => false
      RE   => (a|b){2}     => ab        => true
      """)
  void semantics(MatchType type, String value, String labelValue, boolean expected) {
    Matcher m = Matcher.of(type, "l", value);
    assertThat(m.matches(unescape(labelValue))).isEqualTo(expected);
    assertThat(m.inverse().matches(unescape(labelValue))).isEqualTo(!expected);
  }

  /** Decodes the {@code \\n} and {@code \\uXXXX} escapes of the label value column. */
  private static String unescape(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && s.charAt(i + 1) == 'n') {
        sb.append('\n');
        i++;
      } else if (c == '\\' && s.charAt(i + 1) == 'u') {
        sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
        i += 5;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  @Test
  void absentLabelMatchesAsEmpty() {
    Labels ls = Labels.of("job", "api");
    assertThat(Matcher.eq("env", "").matches(ls)).isTrue();
    assertThat(Matcher.re("env", "prod|").matches(ls)).isTrue();
    assertThat(Matcher.neq("env", "").matches(ls)).isFalse();
    assertThat(Matcher.re("job", "a.*").matches(ls)).isTrue();
  }

  @Test
  void matchesEmpty() {
    assertThat(Matcher.eq("a", "").matchesEmpty()).isTrue();
    assertThat(Matcher.eq("a", "x").matchesEmpty()).isFalse();
    assertThat(Matcher.neq("a", "").matchesEmpty()).isFalse();
    assertThat(Matcher.neq("a", "x").matchesEmpty()).isTrue();
    assertThat(Matcher.re("a", "x|").matchesEmpty()).isTrue();
    assertThat(Matcher.re("a", ".*").matchesEmpty()).isTrue();
    assertThat(Matcher.re("a", ".+").matchesEmpty()).isFalse();
    assertThat(Matcher.nre("a", ".+").matchesEmpty()).isTrue();
    assertThat(Matcher.nre("a", ".*").matchesEmpty()).isFalse();
  }

  @Test
  void setMatches() {
    assertThat(Matcher.eq("a", "x").setMatches()).containsExactly("x");
    assertThat(Matcher.re("a", "x|y|z").setMatches()).containsExactly("x", "y", "z");
    assertThat(Matcher.re("a", "(x|y)-1").setMatches()).containsExactly("x-1", "y-1");
    assertThat(Matcher.re("a", "x.*").setMatches()).isEmpty();
    assertThat(Matcher.neq("a", "x").setMatches()).isEmpty();
    assertThat(Matcher.nre("a", "x|y").setMatches()).isEmpty();
  }

  @Test
  void toStringIsPromqlWithGoQuoting() {
    assertThat(Matcher.re("job", "api|web")).hasToString("job=~\"api|web\"");
    assertThat(Matcher.eq("a", "x\"y")).hasToString("a=\"x\\\"y\"");
    assertThat(Matcher.neq("a", "\n\t")).hasToString("a!=\"\\n\\t\"");
    assertThat(Matcher.nre("a", "\\d+")).hasToString("a!~\"\\\\d+\"");
    assertThat(Matcher.eq("a", "é😀\u200b\u0000")).hasToString("a=\"é😀\\u200b\\x00\"");
    assertThat(Matcher.eq("my.label", "v")).hasToString("\"my.label\"=\"v\"");
    assertThat(Matcher.eq("__name__", "up")).hasToString("__name__=\"up\"");
    assertThat(Matcher.eq("1a", "v")).hasToString("\"1a\"=\"v\"");
  }

  @Test
  void badRegexIsRejectedNamingTheLabelAndTheError() {
    assertThatThrownBy(() -> Matcher.of(MatchType.RE, "job", "(api"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("label matcher job=~\"(api\": invalid regex for label job: error parsing regexp: missing closing ): `(api`")
        .hasCauseInstanceOf(RegexSyntaxException.class);
    assertThatThrownBy(() -> Matcher.nre("path", "a(?<=b)"))
        .hasMessageContaining("label path")
        .hasMessageContaining("invalid or unsupported Perl syntax: `(?<`")
        .hasMessageContaining("lookbehind");
    // The same text is fine for equality matchers.
    assertThat(Matcher.eq("job", "(api").matches("(api")).isTrue();
  }

  @Test
  void equalityAndInverse() {
    assertThat(Matcher.re("a", "x")).isEqualTo(Matcher.of(MatchType.RE, "a", "x"));
    assertThat(Matcher.re("a", "x")).hasSameHashCodeAs(Matcher.of(MatchType.RE, "a", "x"));
    assertThat(Matcher.re("a", "x")).isNotEqualTo(Matcher.eq("a", "x"));
    assertThat(Matcher.re("a", "x").inverse()).isEqualTo(Matcher.nre("a", "x"));
    assertThat(Matcher.eq("a", "x").inverse().inverse()).isEqualTo(Matcher.eq("a", "x"));
    assertThat(MatchType.fromOperator("!~")).isEqualTo(MatchType.NRE);
    assertThatThrownBy(() -> MatchType.fromOperator("==")).hasMessageContaining("\"==\"");
  }
}
