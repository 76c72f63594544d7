package dev.hypnos.core.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RegexTemplatesTest {
  @Test
  void expandsLikeGo() {
    Matcher m = Pattern.compile("^(?:(?<pre>a)(b))$").matcher("ab");
    assertThat(m.matches()).isTrue();
    // $1x is the (missing) group named "1x"; ${2}c is group 2 then "c"; "$" before a non-name stays.
    assertThat(RegexTemplates.expand(m, "$1-$2-${pre}-$pre-$$-$9-$1x-${2}c")).isEqualTo("a-b-a-a-$---bc");
    assertThat(RegexTemplates.expand(m, "cost: $ 5, ${ unclosed")).isEqualTo("cost: $ 5, ${ unclosed");
  }
}
