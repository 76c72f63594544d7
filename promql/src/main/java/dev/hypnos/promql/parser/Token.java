package dev.hypnos.promql.parser;

import java.util.Locale;

/** A lexer token: kind, start offset and source text (the message for ERROR tokens). */
record Token(Token.Kind kind, int pos, String text) {
  enum Kind {
    EOF,
    ERROR,
    COMMENT,
    COMMA,
    COLON,
    LEFT_PAREN,
    RIGHT_PAREN,
    LEFT_BRACE,
    RIGHT_BRACE,
    LEFT_BRACKET,
    RIGHT_BRACKET,
    EQL,
    EQL_REGEX,
    NEQ_REGEX,
    NUMBER,
    DURATION,
    STRING,
    IDENTIFIER,
    METRIC_IDENTIFIER,
    // operators
    ADD,
    SUB,
    MUL,
    DIV,
    MOD,
    POW,
    EQLC,
    NEQ,
    LTE,
    LSS,
    GTE,
    GTR,
    TRIM_UPPER,
    TRIM_LOWER,
    LAND,
    LOR,
    LUNLESS,
    ATAN2,
    AT,
    // aggregators
    SUM,
    AVG,
    COUNT,
    MIN,
    MAX,
    GROUP,
    STDDEV,
    STDVAR,
    TOPK,
    BOTTOMK,
    COUNT_VALUES,
    QUANTILE,
    LIMITK,
    LIMIT_RATIO,
    // keywords
    BOOL,
    BY,
    GROUP_LEFT,
    GROUP_RIGHT,
    FILL,
    FILL_LEFT,
    FILL_RIGHT,
    IGNORING,
    OFFSET,
    SMOOTHED,
    ANCHORED,
    ON,
    WITHOUT,
    // preprocessors
    START,
    END,
    STEP,
    RANGE,
    MAX_OF,
    MIN_OF,
    // series descriptions
    BLANK,
    TIMES,
    SPACE,
    OPEN_HIST,
    CLOSE_HIST;

    boolean isOperator() {
      return ordinal() >= ADD.ordinal() && ordinal() <= AT.ordinal();
    }

    boolean isAggregator() {
      return ordinal() >= SUM.ordinal() && ordinal() <= LIMIT_RATIO.ordinal();
    }

    boolean isKeyword() {
      return ordinal() >= BOOL.ordinal() && ordinal() <= WITHOUT.ordinal();
    }

    boolean isPreprocessor() {
      return ordinal() >= START.ordinal() && ordinal() <= MIN_OF.ordinal();
    }
  }

  int end() {
    return pos + text.length();
  }

  PositionRange range() {
    return new PositionRange(pos, end());
  }

  /** Prometheus's description of an item in "unexpected ..." messages. */
  String describe() {
    return switch (kind) {
      case EOF -> "end of input";
      case IDENTIFIER -> "identifier " + goQuote(text);
      case METRIC_IDENTIFIER -> "metric identifier " + goQuote(text);
      case STRING -> "string " + shortQuote(text);
      case NUMBER -> "number " + shortQuote(text);
      case DURATION -> "duration " + shortQuote(text);
      case ERROR -> text;
      default -> {
        if (kind.isKeyword()) {
          yield "<" + text + ">";
        }
        if (kind.isOperator()) {
          yield "<op:" + text + ">";
        }
        if (kind.isAggregator()) {
          yield "<aggr:" + text + ">";
        }
        if (kind == Kind.SPACE) {
          yield "\"<space>\"";
        }
        yield shortQuote(text);
      }
    };
  }

  private static String shortQuote(String s) {
    if (s.codePointCount(0, s.length()) > 10) {
      int end = s.offsetByCodePoints(0, 10);
      return goQuote(s.substring(0, end)) + "...";
    }
    return goQuote(s);
  }

  static String goQuote(String s) {
    StringBuilder sb = new StringBuilder();
    dev.hypnos.core.labels.Labels.quoteGo(sb, s);
    return sb.toString();
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
