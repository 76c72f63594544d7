package dev.hypnos.core.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hypnos.core.labels.Re2Regex.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Re2RegexTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiterString = "=>", quoteCharacter = '\'', textBlock = """
      ''                 => LITERAL
      foo                => LITERAL
      ^foo$              => LITERAL
      \\Afoo\\z          => LITERAL
      (foo)              => LITERAL
      foo|bar|baz        => SET
      ^(foo|bar)$        => SET
      ^foo$|^bar$        => SET
      prefix-(a|b)       => SET
      [abc]x             => SET
      a|                 => SET
      foo.*              => PREFIX
      (foo).*            => PREFIX
      .*foo              => SUFFIX
      .*foo.*            => CONTAINS
      .*                 => ANY
      (.*)               => ANY
      .*?                => ANY
      .+                 => NON_EMPTY
      (?i)foo            => LITERAL_FOLD
      (?i)foo123         => LITERAL_FOLD
      (?i)123            => LITERAL
      fo(?i)o            => PATTERN
      (?-s:.*)           => PATTERN
      (?-s:.*)foo        => PATTERN
      foo.*bar           => PATTERN
      [^a]               => PATTERN
      a^b                => PATTERN
      (?m)^foo$          => PATTERN
      """)
  void choosesFastPath(String regex, Strategy strategy) {
    assertThat(Re2Regex.compile(regex).strategy()).isEqualTo(strategy);
  }

  @Test
  void setMatchesListsTheLiteralsInOrder() {
    assertThat(Re2Regex.compile("foo|bar|baz").setMatches()).containsExactly("foo", "bar", "baz");
    assertThat(Re2Regex.compile("prefix-(a|b)").setMatches()).containsExactly("prefix-a", "prefix-b");
    assertThat(Re2Regex.compile("(a|b)(c|d)").setMatches()).containsExactly("ac", "ad", "bc", "bd");
    assertThat(Re2Regex.compile("a|").setMatches()).containsExactly("a", "");
    assertThat(Re2Regex.compile("foo").setMatches()).containsExactly("foo");
    assertThat(Re2Regex.compile("").setMatches()).containsExactly("");
    assertThat(Re2Regex.compile("foo.*").setMatches()).isEmpty();
    assertThat(Re2Regex.compile("(?i)foo").setMatches()).isEmpty();
    // 17 * 17 = 289 combinations is past Prometheus's limit of 256.
    assertThat(Re2Regex.compile("[a-q][a-q]").setMatches()).isEmpty();
    assertThat(Re2Regex.compile("[a-p][a-p]").setMatches()).hasSize(256);
  }

  @Test
  void longLiteralAlternationsBecomeASetWhateverTheirLength() {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      values.add("host-" + i);
    }
    Re2Regex re = Re2Regex.compile(String.join("|", values));
    assertThat(re.strategy()).isEqualTo(Strategy.SET);
    assertThat(re.setMatches()).isEqualTo(values);
    assertThat(re.matches("host-4999")).isTrue();
    assertThat(re.matches("host-5000")).isFalse();
    assertThat(re.matchesWithPattern("host-4999")).isTrue();
  }

  @Test
  void catastrophicBacktrackingEndsWithAClearError() {
    Re2Regex evil = Re2Regex.compile("((a+)+)+b");
    assertThat(evil.strategy()).isEqualTo(Strategy.PATTERN);
    assertThat(evil.matches("aaab")).isTrue();
    assertThatThrownBy(() -> evil.matches("a".repeat(40) + "c"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gave up after");
    // Ordinary expressions on long values stay far below the bound.
    assertThat(Re2Regex.compile("(?:[a-z]+-)+[0-9]+").matches("abc-".repeat(500) + "42")).isTrue();
    assertThat(Re2Regex.compile("[a-z]+(-[0-9]+)?x?.*y").matches("abc".repeat(100_000) + "-1y")).isTrue();
  }

  @Test
  void deepNestingIsLimited() {
    // Go allows 1000 levels; we allow 100, which keeps the recursive stages off the stack's end.
    assertThat(Re2Regex.compile("(".repeat(100) + "a" + ")".repeat(100)).matches("a")).isTrue();
    assertThat(Re2Regex.compile("(?:a|".repeat(20) + "b" + ")*".repeat(20)).matches("ab")).isTrue();
    // Known limit: java.util.regex recurses through nested loops; at 100 levels it may run out
    // of stack, which must surface as a clear IllegalStateException, never a StackOverflowError.
    Re2Regex nestedLoops = Re2Regex.compile("(?:a|".repeat(100) + "b" + ")*".repeat(100));
    Throwable t = catchThrowable(() -> nestedLoops.matches("ab"));
    if (t != null) {
      assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("too deep for java.util.regex");
    }
    assertThatThrownBy(() -> Re2Regex.compile("(".repeat(101) + "a" + ")".repeat(101)))
        .isInstanceOf(RegexSyntaxException.class)
        .hasMessageStartingWith("error parsing regexp: expression nests too deeply");
    assertThatThrownBy(() -> Re2Regex.compile("(".repeat(100_000) + "a" + ")".repeat(100_000)))
        .isInstanceOf(RegexSyntaxException.class)
        .hasMessageStartingWith("error parsing regexp: expression nests too deeply");
  }

  @Test
  void translationSpellsOutConstructsWhoseMeaningDiffers() {
    // $ is the end of text in RE2 (Java's $ would also match before a final newline).
    Re2Regex dollar = Re2Regex.compile("foo$\\n?");
    assertThat(dollar.matches("foo")).isTrue();
    assertThat(dollar.matches("foo\n")).isFalse();
    assertThat(Pattern.compile("foo$\\n?").matcher("foo\n").matches()).isTrue(); // what Java alone would say
    // \s excludes the vertical tab in RE2.
    assertThat(Re2Regex.compile("\\s").matches("\u000b")).isFalse();
    assertThat(Pattern.compile("\\s").matcher("\u000b").matches()).isTrue();
    // \v is the vertical tab character in RE2, a class of vertical whitespace in Java.
    assertThat(Re2Regex.compile("\\v").matches("\n")).isFalse();
    assertThat(Re2Regex.compile("\\v").matches("\u000b")).isTrue();
    // A literal { that does not start a repetition is fine in RE2, an error in Java.
    assertThat(Re2Regex.compile("a{b").matches("a{b")).isTrue();
    // [[ is a literal bracket in an RE2 class, a nested class in Java.
    assertThat(Re2Regex.compile("[[a]+").matches("[a[")).isTrue();
    // (?m)^ also matches after a trailing newline in RE2.
    assertThat(Re2Regex.compile("(?m)a\\n^").matches("a\n")).isTrue();
  }

  @Test
  void acceptsRe2OnlySyntax() {
    assertThat(Re2Regex.compile("(?P<word>a+)b").matches("aab")).isTrue();
    assertThat(Re2Regex.compile("[[:alpha:]]+[[:digit:]]").matches("abc1")).isTrue();
    assertThat(Re2Regex.compile("[[:^alpha:]]").matches("1")).isTrue();
    assertThat(Re2Regex.compile("\\pL\\pN").matches("é7")).isTrue();
    assertThat(Re2Regex.compile("\\p{Greek}+").matches("αβγ")).isTrue();
    assertThat(Re2Regex.compile("\\p{^Greek}").matches("a")).isTrue();
    assertThat(Re2Regex.compile("\\Qa.b*\\E").matches("a.b*")).isTrue();
    assertThat(Re2Regex.compile("\\Qa.b*\\E").matches("axb")).isFalse();
    assertThat(Re2Regex.compile("a\\z").matches("a")).isTrue();
    assertThat(Re2Regex.compile("\\x{1F600}").matches("\uD83D\uDE00")).isTrue();
    assertThat(Re2Regex.compile("(?U)a+").matches("aaa")).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
      a*+       | invalid nested repetition operator: `*+` (possessive quantifiers are not supported by RE2)
      a++       | invalid nested repetition operator: `++` (possessive quantifiers are not supported by RE2)
      (?=a)     | invalid or unsupported Perl syntax: `(?=` (lookahead assertions are not supported by RE2)
      (?!a)     | invalid or unsupported Perl syntax: `(?!` (lookahead assertions are not supported by RE2)
      (?<=a)b   | invalid or unsupported Perl syntax: `(?<` (lookbehind assertions are not supported by RE2)
      (?<!a)b   | invalid or unsupported Perl syntax: `(?<` (lookbehind assertions are not supported by RE2)
      (?>a)     | invalid or unsupported Perl syntax: `(?>` (atomic groups are not supported by RE2)
      (a)\\1    | invalid escape sequence: `\\1` (backreferences are not supported by RE2)
      \\C       | invalid escape sequence: `\\C` (\\C (any byte) is not supported by Go's RE2)
      \\Z       | invalid escape sequence: `\\Z` (use \\z for the end of text)
      \\p{Foo}  | invalid character class range: `\\p{Foo}` (unknown Unicode class; RE2 knows general categories such as L or Lu and scripts such as Greek)
      (foo      | missing closing ): `(foo`
      foo)      | unexpected ): `foo)`
      [a        | missing closing ]: `[a`
      [z-a]     | invalid character class range: `z-a`
      x{1001}   | invalid repeat count: `{1001}`
      *         | missing argument to repetition operator: `*`
      a\\       | trailing backslash at end of expression: ``
      """)
  void rejectsWhatRe2Rejects(String regex, String message) {
    assertThatThrownBy(() -> Re2Regex.compile(regex))
        .isInstanceOf(RegexSyntaxException.class)
        .hasMessage("error parsing regexp: " + message);
  }

  /** Regexes whose fast path (or set) must agree with the translated pattern on every input. */
  private static final List<String> PROPERTY_REGEXES = List.of(
      "", "foo", "foo|bar", "foo|bar|baz|", "^(foo|bar)$", "prefix-(a|b|c)", "[abc]x", "(a|b)(c|d)", "[0-9]",
      "foo.*", "(foo).*", ".*foo", ".*foo.*", ".*", ".*?", ".+", "(.+)", "(?i)foo", "(?i)k", "(?i)straße", "(?i)σς",
      "(?i)123ab", "(?i)İ", "(?i)ı", "(?i)\u212a", "ß", "k|K", "\\x{1F600}.*", ".*\\x{1F600}", ".*\u00e9.*", "a|\n",
      "\\Afoo\\z", "^foo$|^bar$", "日本|中国", "(?i)日本");

  private static final String[] PIECES = {
    "", "f", "o", "foo", "FOO", "Foo", "bar", "baz", "BAR", "prefix-", "a", "b", "c", "d", "x", "-", "\n", "k", "K",
    "\u212a", "ß", "ẞ", "SS", "s", "S", "ſ", "σ", "ς", "Σ", "i", "I", "ı", "İ", "1", "2", "3", "é", "É", "e\u0301",
    "\uD83D\uDE00", "\uD801\uDC00", "\uD801\uDC28", "日", "本", "中", "国", "straße", "STRASSE", " ", "\u0000", "\uFFFF",
    "\uE000", "0", "9", "tra", "TRA", "123AB", "123ab"
  };

  @Test
  void fastPathsAgreeWithThePatternOnRandomStrings() {
    Random random = new Random(20261126L);
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = random.nextInt(5);
      for (int k = 0; k < n; k++) {
        sb.append(PIECES[random.nextInt(PIECES.length)]);
      }
      if (random.nextInt(4) == 0) {
        sb.appendCodePoint(random.nextInt(0x3000));
      }
      inputs.add(sb.toString());
    }
    int fastPaths = 0;
    for (String regex : PROPERTY_REGEXES) {
      Re2Regex re = Re2Regex.compile(regex);
      if (re.strategy() != Strategy.PATTERN) {
        fastPaths++;
      }
      List<String> inputsForRegex = new ArrayList<>(inputs);
      inputsForRegex.addAll(re.setMatches());
      int matched = 0;
      for (String in : inputsForRegex) {
        boolean fast = re.matches(in);
        assertThat(fast)
            .as("regex %s (%s, java %s) on %s", regex, re.strategy(), re.javaRegex(), quoted(in))
            .isEqualTo(re.matchesWithPattern(in));
        if (fast) {
          matched++;
          if (!re.setMatches().isEmpty()) {
            assertThat(re.setMatches()).as("set of %s", regex).contains(in);
          }
        }
      }
      // Each regex must see both outcomes, or the comparison proves little.
      assertThat(matched).as("inputs matched by %s", regex).isPositive();
      if (re.strategy() != Strategy.ANY) {
        assertThat(matched).as("inputs matched by %s", regex).isLessThan(inputsForRegex.size());
      }
    }
    assertThat(fastPaths).isGreaterThan(PROPERTY_REGEXES.size() - 3);
  }

  @Test
  void caseFoldingFollowsRe2NotJava() {
    // Go's simple folding joins k, K and the Kelvin sign, s/S/long s, the three sigmas; it keeps
    // the Turkish dotted/dotless i apart from i/I, where Java's case mapping would join them.
    Re2Regex k = Re2Regex.compile("(?i)k");
    assertThat(k.matches("K")).isTrue();
    assertThat(k.matches("\u212a")).isTrue();
    assertThat(Re2Regex.compile("(?i)s").matches("ſ")).isTrue();
    assertThat(Re2Regex.compile("(?i)σ").matches("ς")).isTrue();
    Re2Regex i = Re2Regex.compile("(?i)i");
    assertThat(i.matches("I")).isTrue();
    assertThat(i.matches("ı")).isFalse();
    assertThat(i.matches("İ")).isFalse();
    assertThat(Re2Regex.compile("(?i)[h-j]").matches("İ")).isFalse();
    // Folding is per code point, never the full mapping ß -> SS.
    assertThat(Re2Regex.compile("(?i)straße").matches("STRASSE")).isFalse();
    assertThat(Re2Regex.compile("(?i)straße").matches("STRAẞE")).isTrue();
  }

  @Test
  void longValuesDoNotOverflowTheStack() {
    String longValue = "ab".repeat(200_000) + "c";
    assertThat(Re2Regex.compile("(a|b)*c").matches(longValue)).isTrue();
    assertThat(Re2Regex.compile("[ab]+c").matches(longValue)).isTrue();
    assertThat(Re2Regex.compile("(?-s:.*)c").matches(longValue)).isTrue();
    assertThat(Re2Regex.compile(".*b.*c").matches(longValue)).isTrue();
    assertThat(Re2Regex.compile("(?i)(A|B)*C").matches(longValue)).isTrue();
    assertThat(Re2Regex.compile("(ab)*c").matches(longValue)).isTrue();
  }

  private static String quoted(String s) {
    StringBuilder sb = new StringBuilder();
    Labels.quoteGo(sb, s);
    return sb.toString();
  }
}
