package dev.hypnos.core.labels;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Parses a PromQL series selector, as given to {@code --match} flags, into label matchers:
 * {@code metric}, {@code metric{a="b", c=~"d.*"}}, {@code {__name__="x", a!="b"}}, Prometheus 3
 * quoted names ({@code {"my.metric", "my.label"="v"}}), double- or single-quoted strings with
 * PromQL escapes, and backquoted raw strings. Error messages and positions follow Prometheus's
 * parser ({@code 1:5: parse error: unexpected character inside braces: '~'}).
 *
 * <p>As in Prometheus, the result lists the matchers inside the braces in order, followed by the
 * {@code __name__} matcher of a metric name written before the braces, and at least one matcher
 * must not match the empty string.
 */
public final class SelectorParser {
  private enum Kind {
    IDENTIFIER,
    METRIC_IDENTIFIER,
    STRING,
    LEFT_BRACE,
    RIGHT_BRACE,
    COMMA,
    EQL,
    NEQ,
    EQL_REGEX,
    NEQ_REGEX,
    EOF
  }

  /** A token; {@code text} is the source text, {@code value} the unquoted string for STRING. */
  private record Token(Kind kind, int start, int end, String text, String value) {
    String describe() {
      return switch (kind) {
        case EOF -> "end of input";
        case IDENTIFIER -> "identifier " + quote(text);
        case METRIC_IDENTIFIER -> "metric identifier " + quote(text);
        case STRING -> "string " + (text.length() > 10 ? quote(truncate(text, 10)) + "..." : quote(text));
        case LEFT_BRACE, RIGHT_BRACE, COMMA, EQL -> quote(text);
        case NEQ, EQL_REGEX, NEQ_REGEX -> "<op:" + text + ">";
      };
    }
  }

  private final String in;
  private int pos;
  private boolean insideBraces;

  private SelectorParser(String input) {
    this.in = input;
  }

  /**
   * Parses a selector.
   *
   * @throws SelectorParseException with position and Prometheus-style message
   */
  public static List<Matcher> parse(String selector) {
    return new SelectorParser(selector).parseSelector();
  }

  private List<Matcher> parseSelector() {
    Token first = next();
    @Nullable String metricName = null;
    Token selectorStart = first;
    Token t = first;
    if (t.kind == Kind.EOF) {
      throw error(0, "no expression found in input");
    }
    if (t.kind == Kind.IDENTIFIER || t.kind == Kind.METRIC_IDENTIFIER) {
      metricName = t.text;
      t = next();
      if (t.kind == Kind.EOF) {
        return List.of(Matcher.eq("__name__", metricName));
      }
    }
    if (t.kind != Kind.LEFT_BRACE) {
      throw error(t.start, "unexpected " + t.describe());
    }
    List<Matcher> matchers = new ArrayList<>();
    t = next();
    while (t.kind != Kind.RIGHT_BRACE) {
      matchers.add(parseMatcher(t));
      t = next();
      if (t.kind == Kind.COMMA) {
        t = next();
      } else if (t.kind != Kind.RIGHT_BRACE) {
        throw error(t.start, "unexpected " + t.describe() + " in label matching, expected \",\" or \"}\"");
      }
    }
    Token after = next();
    if (after.kind != Kind.EOF) {
      throw error(after.start, "unexpected " + after.describe());
    }
    if (metricName != null) {
      for (Matcher m : matchers) {
        if (m.name().equals("__name__")) {
          throw error(selectorStart.start,
              "metric name must not be set twice: " + quote(metricName) + " or " + quote(m.value()));
        }
      }
      matchers.add(Matcher.eq("__name__", metricName));
    } else {
      boolean nonEmpty = false;
      for (Matcher m : matchers) {
        nonEmpty |= !m.matchesEmpty();
      }
      if (!nonEmpty) {
        throw error(selectorStart.start, "vector selector must contain at least one non-empty matcher");
      }
    }
    return List.copyOf(matchers);
  }

  private Matcher parseMatcher(Token name) {
    if (name.kind != Kind.IDENTIFIER && name.kind != Kind.STRING) {
      throw error(name.start, "unexpected " + name.describe() + " in label matching, expected identifier or \"}\"");
    }
    String labelName = name.kind == Kind.STRING ? name.value : name.text;
    int save = pos;
    boolean saveBraces = insideBraces;
    Token op = next();
    MatchType type = switch (op.kind) {
      case EQL -> MatchType.EQ;
      case NEQ -> MatchType.NEQ;
      case EQL_REGEX -> MatchType.RE;
      case NEQ_REGEX -> MatchType.NRE;
      default -> null;
    };
    if (type == null) {
      if (name.kind == Kind.STRING && (op.kind == Kind.COMMA || op.kind == Kind.RIGHT_BRACE)) {
        pos = save; // a quoted metric name alone: {"my.metric"}; re-read the ',' or '}'
        insideBraces = saveBraces;
        return Matcher.eq("__name__", labelName);
      }
      throw error(op.start, "unexpected " + op.describe() + " in label matching, expected label matching operator");
    }
    Token value = next();
    if (value.kind != Kind.STRING) {
      throw error(value.start, "unexpected " + value.describe() + " in label matching, expected string");
    }
    try {
      return Matcher.of(type, labelName, value.value);
    } catch (IllegalArgumentException e) {
      String detail = e.getCause() instanceof RegexSyntaxException r ? r.getMessage() : e.getMessage();
      throw error(name.start, detail, e);
    }
  }

  // ---- lexer ----

  private Token next() {
    while (true) {
      skipSpace();
      if (pos < in.length() && in.charAt(pos) == '#') {
        while (pos < in.length() && in.charAt(pos) != '\n') {
          pos++;
        }
        continue;
      }
      break;
    }
    int start = pos;
    if (pos >= in.length()) {
      if (insideBraces) {
        throw error(start, "unexpected end of input inside braces");
      }
      return new Token(Kind.EOF, start, start, "", "");
    }
    int c = in.codePointAt(pos);
    if (insideBraces) {
      return lexInsideBraces(c, start);
    }
    if (c == '{') {
      pos++;
      insideBraces = true;
      return new Token(Kind.LEFT_BRACE, start, pos, "{", "");
    }
    if (isAlpha(c) || c == ':') {
      while (pos < in.length() && (isAlpha(in.charAt(pos)) || isDigit(in.charAt(pos)) || in.charAt(pos) == ':')) {
        pos++;
      }
      String word = in.substring(start, pos);
      return new Token(word.indexOf(':') >= 0 ? Kind.METRIC_IDENTIFIER : Kind.IDENTIFIER, start, pos, word, "");
    }
    if (c == '"' || c == '\'' || c == '`') {
      return lexString(c, start);
    }
    if (c == ',') {
      pos++;
      return new Token(Kind.COMMA, start, pos, ",", "");
    }
    throw error(start, "unexpected character: " + quoteRune(c));
  }

  private Token lexInsideBraces(int c, int start) {
    pos += Character.charCount(c);
    switch (c) {
      case ',' -> {
        return new Token(Kind.COMMA, start, pos, ",", "");
      }
      case '"', '\'', '`' -> {
        pos = start;
        return lexString(c, start);
      }
      case '=' -> {
        if (pos < in.length() && in.charAt(pos) == '~') {
          pos++;
          return new Token(Kind.EQL_REGEX, start, pos, "=~", "");
        }
        return new Token(Kind.EQL, start, pos, "=", "");
      }
      case '!' -> {
        if (pos < in.length() && (in.charAt(pos) == '~' || in.charAt(pos) == '=')) {
          boolean re = in.charAt(pos) == '~';
          pos++;
          return new Token(re ? Kind.NEQ_REGEX : Kind.NEQ, start, pos, re ? "!~" : "!=", "");
        }
        int nr = pos < in.length() ? in.codePointAt(pos) : -1;
        throw error(start, "unexpected character after '!' inside braces: " + (nr < 0 ? "EOF" : quoteRune(nr)));
      }
      case '{' -> throw error(start, "unexpected left brace '{'");
      case '}' -> {
        insideBraces = false;
        return new Token(Kind.RIGHT_BRACE, start, pos, "}", "");
      }
      default -> {
        if (isAlpha(c)) {
          while (pos < in.length() && (isAlpha(in.charAt(pos)) || isDigit(in.charAt(pos)))) {
            pos++;
          }
          return new Token(Kind.IDENTIFIER, start, pos, in.substring(start, pos), "");
        }
        throw error(start, "unexpected character inside braces: " + quoteRune(c));
      }
    }
  }

  private Token lexString(int quote, int start) {
    pos++;
    if (quote == '`') {
      int end = in.indexOf('`', pos);
      if (end < 0) {
        throw error(start, "unterminated raw string");
      }
      pos = end + 1;
      return new Token(Kind.STRING, start, pos, in.substring(start, pos), in.substring(start + 1, end));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    while (true) {
      if (pos >= in.length() || in.charAt(pos) == '\n') {
        throw error(start, "unterminated quoted string");
      }
      int c = in.codePointAt(pos);
      pos += Character.charCount(c);
      if (c == quote) {
        break;
      }
      if (c == '\\') {
        escape(quote, start, bytes);
      } else {
        bytes.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
      }
    }
    String value = bytes.toString(StandardCharsets.UTF_8);
    return new Token(Kind.STRING, start, pos, in.substring(start, pos), value);
  }

  /** One escape after a backslash in a quoted string, written to {@code out} as UTF-8 bytes. */
  private void escape(int quote, int stringStart, ByteArrayOutputStream out) {
    if (pos >= in.length()) {
      throw error(stringStart, "escape sequence not terminated");
    }
    int c = in.codePointAt(pos);
    pos += Character.charCount(c);
    int simple = switch (c) {
      case 'a' -> 7;
      case 'b' -> 8;
      case 'f' -> 12;
      case 'n' -> 10;
      case 'r' -> 13;
      case 't' -> 9;
      case 'v' -> 11;
      case '\\' -> '\\';
      default -> c == quote ? quote : -1;
    };
    if (simple >= 0) {
      out.write(simple);
      return;
    }
    int digits;
    int base;
    long max;
    int first;
    switch (c) {
      case '0', '1', '2', '3', '4', '5', '6', '7' -> {
        digits = 3;
        base = 8;
        max = 255;
        first = c;
      }
      case 'x' -> {
        digits = 2;
        base = 16;
        max = 255;
        first = -1;
      }
      case 'u' -> {
        digits = 4;
        base = 16;
        max = Character.MAX_CODE_POINT;
        first = -1;
      }
      case 'U' -> {
        digits = 8;
        base = 16;
        max = Character.MAX_CODE_POINT;
        first = -1;
      }
      default -> throw error(stringStart, "unknown escape sequence " + goUnicode(c));
    }
    long x = 0;
    for (int i = 0; i < digits; i++) {
      int ch;
      if (i == 0 && first >= 0) {
        ch = first;
      } else {
        if (pos >= in.length()) {
          throw error(stringStart, "escape sequence not terminated");
        }
        ch = in.codePointAt(pos);
        pos += Character.charCount(ch);
      }
      int d = Character.digit(ch, 16);
      if (ch >= 0x80 || d < 0 || d >= base) {
        throw error(stringStart, "illegal character " + goUnicode(ch) + " in escape sequence");
      }
      x = x * base + d;
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      throw error(stringStart, "escape sequence is an invalid Unicode code point");
    }
    if (c == 'u' || c == 'U') {
      out.writeBytes(new String(Character.toChars((int) x)).getBytes(StandardCharsets.UTF_8));
    } else {
      out.write((int) x); // octal and \x escapes are single bytes, as in Go
    }
  }

  private void skipSpace() {
    while (pos < in.length()) {
      char c = in.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pos++;
      } else {
        break;
      }
    }
  }

  private static boolean isAlpha(int c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private SelectorParseException error(int charPos, String detail) {
    return error(charPos, detail, null);
  }

  /** Positions as Prometheus reports them: line, and column in UTF-8 bytes, both 1-based. */
  private SelectorParseException error(int charPos, String detail, @Nullable Throwable cause) {
    String before = in.substring(0, Math.min(charPos, in.length()));
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < before.length(); i++) {
      if (before.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    int col = before.substring(lineStart).getBytes(StandardCharsets.UTF_8).length + 1;
    return cause == null ? new SelectorParseException(line, col, detail)
        : new SelectorParseException(line, col, detail, cause);
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder();
    Labels.quoteGo(sb, s);
    return sb.toString();
  }

  private static String truncate(String s, int codePoints) {
    int end = s.offsetByCodePoints(0, Math.min(codePoints, s.codePointCount(0, s.length())));
    return s.substring(0, end);
  }

  /** Go's {@code %q} of a rune: {@code '~'}, {@code '\n'}, {@code '\''}. */
  static String quoteRune(int cp) {
    if (cp == '\'') {
      return "'\\''";
    }
    if (cp == '"') {
      return "'\"'";
    }
    String q = quote(new String(Character.toChars(cp)));
    return "'" + q.substring(1, q.length() - 1) + "'";
  }

  /** Go's {@code %#U}: {@code U+0071 'q'}. */
  private static String goUnicode(int cp) {
    String hex = String.format("U+%04X", cp);
    return Character.isISOControl(cp) || !Character.isDefined(cp) ? hex : hex + " '" + new String(Character.toChars(cp)) + "'";
  }
}
