package dev.hypnos.core.labels;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Syntax tree of a parsed RE2 expression, before translation to java.util.regex. */
sealed interface RegexNode {
  /** One code point; {@code fold} when (?i) applies and the code point has case variants. */
  record Lit(int cp, boolean fold) implements RegexNode {}

  /** A set of code points; {@code javaForm} is an equivalent java.util.regex class when known. */
  record Cls(CharRanges set, @Nullable String javaForm) implements RegexNode {}

  /** {@code .}; {@code dotNl} when it also matches a newline. */
  record Any(boolean dotNl) implements RegexNode {}

  /** The empty string. */
  record Empty() implements RegexNode {}

  /** A zero-width assertion. */
  record Assert(Kind kind) implements RegexNode {
    enum Kind {
      BEGIN_TEXT,
      END_TEXT,
      BEGIN_LINE,
      END_LINE,
      WORD_BOUNDARY,
      NOT_WORD_BOUNDARY
    }
  }

  record Concat(List<RegexNode> items) implements RegexNode {}

  record Alt(List<RegexNode> alternatives) implements RegexNode {}

  /** {@code max} is -1 for unbounded; {@code counted} for the {@code {n,m}} form. */
  record Repeat(RegexNode sub, int min, int max, boolean greedy, boolean counted) implements RegexNode {}

  /** A capturing or non-capturing group; captures have no meaning for label matching. */
  record Group(RegexNode sub) implements RegexNode {}
}
