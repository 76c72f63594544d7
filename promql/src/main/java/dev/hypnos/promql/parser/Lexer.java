package dev.hypnos.promql.parser;

import dev.hypnos.promql.parser.Token.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Splits a PromQL query into tokens with the same rules and error messages as Prometheus's lexer.
 * The token list ends with EOF or with one ERROR token carrying the lexer's message.
 */
final class Lexer {
  private static final Map<String, Kind> KEYWORDS = new HashMap<>();
  private static final Map<String, Kind> DURATION_KEYWORDS = new HashMap<>();

  static {
    KEYWORDS.put("and", Kind.LAND);
    KEYWORDS.put("or", Kind.LOR);
    KEYWORDS.put("unless", Kind.LUNLESS);
    KEYWORDS.put("atan2", Kind.ATAN2);
    KEYWORDS.put("sum", Kind.SUM);
    KEYWORDS.put("avg", Kind.AVG);
    KEYWORDS.put("count", Kind.COUNT);
    KEYWORDS.put("min", Kind.MIN);
    KEYWORDS.put("max", Kind.MAX);
    KEYWORDS.put("group", Kind.GROUP);
    KEYWORDS.put("stddev", Kind.STDDEV);
    KEYWORDS.put("stdvar", Kind.STDVAR);
    KEYWORDS.put("topk", Kind.TOPK);
    KEYWORDS.put("bottomk", Kind.BOTTOMK);
    KEYWORDS.put("count_values", Kind.COUNT_VALUES);
    KEYWORDS.put("quantile", Kind.QUANTILE);
    KEYWORDS.put("limitk", Kind.LIMITK);
    KEYWORDS.put("limit_ratio", Kind.LIMIT_RATIO);
    KEYWORDS.put("offset", Kind.OFFSET);
    KEYWORDS.put("smoothed", Kind.SMOOTHED);
    KEYWORDS.put("anchored", Kind.ANCHORED);
    KEYWORDS.put("by", Kind.BY);
    KEYWORDS.put("without", Kind.WITHOUT);
    KEYWORDS.put("on", Kind.ON);
    KEYWORDS.put("ignoring", Kind.IGNORING);
    KEYWORDS.put("group_left", Kind.GROUP_LEFT);
    KEYWORDS.put("group_right", Kind.GROUP_RIGHT);
    KEYWORDS.put("fill", Kind.FILL);
    KEYWORDS.put("fill_left", Kind.FILL_LEFT);
    KEYWORDS.put("fill_right", Kind.FILL_RIGHT);
    KEYWORDS.put("bool", Kind.BOOL);
    KEYWORDS.put("start", Kind.START);
    KEYWORDS.put("end", Kind.END);
    KEYWORDS.put("step", Kind.STEP);
    KEYWORDS.put("range", Kind.RANGE);
    KEYWORDS.put("max_of", Kind.MAX_OF);
    KEYWORDS.put("min_of", Kind.MIN_OF);
    KEYWORDS.put("inf", Kind.NUMBER);
    KEYWORDS.put("nan", Kind.NUMBER);
    DURATION_KEYWORDS.put("step", Kind.STEP);
    DURATION_KEYWORDS.put("range", Kind.RANGE);
    DURATION_KEYWORDS.put("max_of", Kind.MAX_OF);
    DURATION_KEYWORDS.put("min_of", Kind.MIN_OF);
  }

  private final String in;
  private final List<Token> out = new ArrayList<>();
  private int pos;
  private int start;
  private int parenDepth;
  private boolean braceOpen;
  private boolean bracketOpen;
  private boolean gotColon;
  private boolean gotDuration;
  /** Inside brackets: true right after "[" or an operator (Prometheus's lexDurationExpr state). */
  private boolean durationState;

  private Lexer(String in) {
    this.in = in;
  }

  /** Tokens of {@code input} without comments, ending with EOF or ERROR. */
  static List<Token> lex(String input) {
    Lexer l = new Lexer(input);
    l.run();
    return l.out;
  }

  private static final class LexError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LexError(String message) {
      super(message, null, false, false);
    }
  }

  private void run() {
    try {
      while (true) {
        if (!step()) {
          return;
        }
      }
    } catch (LexError e) {
      out.add(new Token(Kind.ERROR, start, e.getMessage()));
    }
  }

  private static final int EOF = -1;

  private int next() {
    if (pos >= in.length()) {
      pos = in.length() + 1; // so that backup() restores in.length()
      return EOF;
    }
    char c = in.charAt(pos);
    if (Character.isHighSurrogate(c)
        && pos + 1 < in.length()
        && Character.isLowSurrogate(in.charAt(pos + 1))) {
      int cp = Character.toCodePoint(c, in.charAt(pos + 1));
      pos += 2;
      return cp;
    }
    pos++;
    if (Character.isSurrogate(c)) {
      return 0xFFFD; // an unpaired surrogate is not valid UTF-8
    }
    return c;
  }

  private int lastWidth(int cp) {
    if (cp == EOF) {
      return 1;
    }
    return Character.charCount(cp);
  }

  private void backup(int cp) {
    pos -= lastWidth(cp);
  }

  private int peek() {
    int p = pos;
    int cp = next();
    pos = p;
    return cp;
  }

  private void emit(Kind kind) {
    out.add(new Token(kind, start, in.substring(start, Math.min(pos, in.length()))));
    start = pos;
  }

  private void ignore() {
    start = pos;
  }

  private LexError error(String message) {
    return new LexError(message);
  }

  static boolean isSpace(int r) {
    return r == ' ' || r == '\t' || r == '\n' || r == '\r';
  }

  static boolean isAlpha(int r) {
    return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  }

  static boolean isDigit(int r) {
    return r >= '0' && r <= '9';
  }

  static boolean isAlphaNumeric(int r) {
    return isAlpha(r) || isDigit(r);
  }

  /** Go's %q for a single rune, e.g. '~' or '\n'. */
  static String quoteRune(int r) {
    if (r == EOF) {
      return "'\\x00'";
    }
    if (r == '\'') {
      return "'\\''";
    }
    if (r == '"') {
      return "'\"'";
    }
    String q = Token.goQuote(new String(Character.toChars(r)));
    return "'" + q.substring(1, q.length() - 1) + "'";
  }

  /** Go's %#U for a rune: U+0063 'c'. */
  static String unicodeForm(int r) {
    String hex = Integer.toHexString(r).toUpperCase(Locale.ROOT);
    while (hex.length() < 4) {
      hex = "0" + hex;
    }
    if (r >= 0x20 && r != 0x7f && Character.isDefined(r) && !Character.isISOControl(r)) {
      return "U+" + hex + " '" + new String(Character.toChars(r)) + "'";
    }
    return "U+" + hex;
  }

  /** Lexes one step; false at the end. */
  private boolean step() {
    if (braceOpen) {
      return insideBraces();
    }
    if (bracketOpen && durationState) {
      return durationExpr();
    }
    if (in.startsWith("#", pos)) {
      lineComment();
      return true;
    }
    int r = next();
    switch (r) {
      case EOF -> {
        pos = in.length();
        if (parenDepth != 0) {
          throw error("unclosed left parenthesis");
        }
        if (bracketOpen) {
          throw error("unclosed left bracket");
        }
        start = pos;
        out.add(new Token(Kind.EOF, pos, ""));
        return false;
      }
      case ',' -> emit(Kind.COMMA);
      case '*' -> emitOp(Kind.MUL);
      case '/' -> emitOp(Kind.DIV);
      case '%' -> emitOp(Kind.MOD);
      case '+' -> emitOp(Kind.ADD);
      case '-' -> emitOp(Kind.SUB);
      case '^' -> emitOp(Kind.POW);
      case '=' -> {
        int t = peek();
        if (t == '=') {
          next();
          emit(Kind.EQLC);
        } else if (t == '~') {
          throw error("unexpected character after '=': " + quoteRune(t));
        } else {
          emit(Kind.EQL);
        }
      }
      case '!' -> {
        int t = next();
        if (t != '=') {
          throw error("unexpected character after '!': " + quoteRune(t));
        }
        emit(Kind.NEQ);
      }
      case '<' -> {
        int t = peek();
        if (t == '=') {
          next();
          emit(Kind.LTE);
        } else if (t == '/') {
          next();
          emit(Kind.TRIM_UPPER);
        } else {
          emit(Kind.LSS);
        }
      }
      case '>' -> {
        int t = peek();
        if (t == '=') {
          next();
          emit(Kind.GTE);
        } else if (t == '/') {
          next();
          emit(Kind.TRIM_LOWER);
        } else {
          emit(Kind.GTR);
        }
      }
      case '"', '\'' -> lexString(r);
      case '`' -> lexRawString();
      case '(' -> {
        emit(Kind.LEFT_PAREN);
        parenDepth++;
        if (bracketOpen) {
          durationState = true;
        }
      }
      case ')' -> {
        parenDepth--;
        if (parenDepth < 0) {
          start = pos;
          throw error("unexpected right parenthesis " + quoteRune(r));
        }
        emit(Kind.RIGHT_PAREN);
      }
      case '{' -> {
        emit(Kind.LEFT_BRACE);
        braceOpen = true;
      }
      case '[' -> {
        if (bracketOpen) {
          throw error("unexpected left bracket " + quoteRune(r));
        }
        gotColon = false;
        emit(Kind.LEFT_BRACKET);
        while (isSpace(peek())) {
          next();
        }
        ignore();
        bracketOpen = true;
        durationState = true;
      }
      case ']' -> {
        if (!bracketOpen) {
          throw error("unexpected right bracket " + quoteRune(r));
        }
        emit(Kind.RIGHT_BRACKET);
        bracketOpen = false;
      }
      case '@' -> emit(Kind.AT);
      default -> {
        if (isSpace(r)) {
          skipSpaces();
        } else if (isDigit(r) || (r == '.' && isDigit(peek()))) {
          backup(r);
          numberOrDuration();
        } else if (isAlpha(r) || r == ':') {
          if (!bracketOpen) {
            backup(r);
            keywordOrIdentifier();
          } else if (r == ':') {
            if (gotColon) {
              throw error("unexpected colon " + quoteRune(r));
            }
            emit(Kind.COLON);
            gotColon = true;
          } else if (!(isDurationKeywordStart(r) && durationKeyword())) {
            throw error("unexpected character: " + quoteRune(r) + ", expected ':'");
          }
        } else {
          throw error("unexpected character: " + quoteRune(r));
        }
      }
    }
    return true;
  }

  private void emitOp(Kind kind) {
    emit(kind);
    if (bracketOpen) {
      durationState = true;
    }
  }

  private void skipSpaces() {
    while (isSpace(peek())) {
      next();
    }
    ignore();
  }

  private void lineComment() {
    pos++;
    while (true) {
      int r = next();
      if (r == '\r' || r == '\n' || r == EOF) {
        backup(r);
        break;
      }
    }
    start = pos; // comments are dropped
  }

  private static boolean isDurationKeywordStart(int r) {
    int l = Character.toLowerCase(r);
    return l == 's' || l == 'r' || l == 'm';
  }

  private boolean durationKeyword() {
    while (true) {
      int r = next();
      if (!isAlpha(r)) {
        backup(r);
        break;
      }
    }
    String word = in.substring(start, pos).toLowerCase(Locale.ROOT);
    Kind k = DURATION_KEYWORDS.get(word);
    if (k != null) {
      emit(k);
      durationState = true;
      return true;
    }
    return false;
  }

  /** The lexDurationExpr state: right after "[" or an operator inside brackets. */
  private boolean durationExpr() {
    int r = next();
    switch (r) {
      case EOF -> throw error("unexpected end of input in duration expression");
      case ']' -> {
        emit(Kind.RIGHT_BRACKET);
        bracketOpen = false;
        gotColon = false;
        durationState = false;
      }
      case ':' -> {
        emit(Kind.COLON);
        if (!gotDuration) {
          throw error("unexpected colon before duration in duration expression");
        }
        if (gotColon) {
          throw error("unexpected repeated colon in duration expression");
        }
        gotColon = true;
      }
      case '(' -> {
        emit(Kind.LEFT_PAREN);
        parenDepth++;
      }
      case ')' -> {
        parenDepth--;
        if (parenDepth < 0) {
          start = pos;
          throw error("unexpected right parenthesis " + quoteRune(r));
        }
        emit(Kind.RIGHT_PAREN);
      }
      case '+' -> emit(Kind.ADD);
      case '-' -> emit(Kind.SUB);
      case '*' -> emit(Kind.MUL);
      case '/' -> emit(Kind.DIV);
      case '%' -> emit(Kind.MOD);
      case '^' -> emit(Kind.POW);
      case ',' -> emit(Kind.COMMA);
      default -> {
        if (isSpace(r)) {
          skipSpaces();
        } else if (isDurationKeywordStart(r)) {
          if (!durationKeyword()) {
            throw error("unexpected character in duration expression: " + quoteRune(r));
          }
        } else if (isDigit(r) || (r == '.' && isDigit(peek()))) {
          backup(r);
          gotDuration = true;
          durationState = false;
          numberOrDuration();
        } else {
          throw error("unexpected character in duration expression: " + quoteRune(r));
        }
      }
    }
    return true;
  }

  private boolean insideBraces() {
    if (in.startsWith("#", pos)) {
      lineComment();
      return true;
    }
    int r = next();
    switch (r) {
      case EOF -> {
        pos = in.length();
        throw error("unexpected end of input inside braces");
      }
      case ',' -> emit(Kind.COMMA);
      case '"', '\'' -> lexString(r);
      case '`' -> lexRawString();
      case '=' -> {
        int t = next();
        if (t == '~') {
          emit(Kind.EQL_REGEX);
        } else {
          backup(t);
          emit(Kind.EQL);
        }
      }
      case '!' -> {
        int t = next();
        if (t == '~') {
          emit(Kind.NEQ_REGEX);
        } else if (t == '=') {
          emit(Kind.NEQ);
        } else {
          throw error("unexpected character after '!' inside braces: " + quoteRune(t));
        }
      }
      case '{' -> throw error("unexpected left brace " + quoteRune(r));
      case '}' -> {
        emit(Kind.RIGHT_BRACE);
        braceOpen = false;
      }
      default -> {
        if (isSpace(r)) {
          skipSpaces();
        } else if (isAlpha(r)) {
          while (true) {
            int c = next();
            if (!isAlphaNumeric(c)) {
              backup(c);
              break;
            }
          }
          emit(Kind.IDENTIFIER);
        } else {
          throw error("unexpected character inside braces: " + quoteRune(r));
        }
      }
    }
    return true;
  }

  private void keywordOrIdentifier() {
    while (true) {
      int r = next();
      if (!(isAlphaNumeric(r) || r == ':')) {
        backup(r);
        break;
      }
    }
    String word = in.substring(start, pos);
    Kind kw = KEYWORDS.get(word.toLowerCase(Locale.ROOT));
    if (kw != null) {
      if ((kw == Kind.FILL || kw == Kind.FILL_LEFT || kw == Kind.FILL_RIGHT)
          && !followedByLeftParen()) {
        emit(Kind.IDENTIFIER);
        return;
      }
      emit(kw);
    } else if (word.indexOf(':') < 0) {
      emit(Kind.IDENTIFIER);
    } else {
      emit(Kind.METRIC_IDENTIFIER);
    }
  }

  private boolean followedByLeftParen() {
    for (int p = pos; p < in.length(); p++) {
      char c = in.charAt(p);
      if (!isSpace(c)) {
        return c == '(';
      }
    }
    return false;
  }

  private void lexString(int quote) {
    while (true) {
      int r = next();
      if (r == '\\') {
        escape(quote);
      } else if (r == 0xFFFD && in.charAt(pos - 1) != 0xFFFD) {
        throw error("invalid UTF-8 rune");
      } else if (r == EOF || r == '\n') {
        throw error("unterminated quoted string");
      } else if (r == quote) {
        break;
      }
    }
    emit(Kind.STRING);
  }

  private void escape(int quote) {
    int ch = next();
    int n;
    int base;
    int max;
    switch (ch) {
      case 'a', 'b', 'f', 'n', 'r', 't', 'v', '\\' -> {
        return;
      }
      case '0', '1', '2', '3', '4', '5', '6', '7' -> {
        n = 3;
        base = 8;
        max = 255;
      }
      case 'x' -> {
        ch = next();
        n = 2;
        base = 16;
        max = 255;
      }
      case 'u' -> {
        ch = next();
        n = 4;
        base = 16;
        max = 0x10FFFF;
      }
      case 'U' -> {
        ch = next();
        n = 8;
        base = 16;
        max = 0x10FFFF;
      }
      case EOF -> throw error("escape sequence not terminated");
      default -> {
        if (ch == quote) {
          return;
        }
        throw error("unknown escape sequence " + unicodeForm(ch));
      }
    }
    long x = 0;
    while (n > 0) {
      int d = Character.digit(ch, 16);
      if (ch > 127 || d < 0 || d >= base) {
        if (ch == EOF) {
          throw error("escape sequence not terminated");
        }
        throw error("illegal character " + unicodeForm(ch) + " in escape sequence");
      }
      x = x * base + d;
      n--;
      if (n > 0) {
        ch = next();
      }
    }
    if (x > max || (0xD800 <= x && x < 0xE000)) {
      throw error("escape sequence is an invalid Unicode code point");
    }
  }

  private void lexRawString() {
    while (true) {
      int r = next();
      if (r == 0xFFFD && in.charAt(pos - 1) != 0xFFFD) {
        throw error("invalid UTF-8 rune");
      } else if (r == EOF) {
        throw error("unterminated raw string");
      } else if (r == '`') {
        break;
      }
    }
    emit(Kind.STRING);
  }

  private void numberOrDuration() {
    if (scanNumber()) {
      emit(Kind.NUMBER);
      return;
    }
    if (acceptRemainingDuration()) {
      pos--; // the character after the duration
      emit(Kind.DURATION);
      return;
    }
    throw error(
        "bad number or duration syntax: "
            + Token.goQuote(in.substring(start, Math.min(pos, in.length()))));
  }

  private boolean accept(String valid) {
    int r = next();
    if (r != EOF && valid.indexOf(r) >= 0) {
      return true;
    }
    backup(r);
    return false;
  }

  private boolean is(String valid) {
    int r = peek();
    return r != EOF && valid.indexOf(r) >= 0;
  }

  private boolean acceptRemainingDuration() {
    if (!accept("smhdwy")) {
      return false;
    }
    accept("s");
    while (accept("0123456789")) {
      while (accept("0123456789")) {
        // digits
      }
      if (!accept("smhdw")) {
        return false;
      }
      accept("s");
    }
    int r = next();
    if (r == EOF) {
      return true; // pos is in.length()+1; the caller backs up one
    }
    if (isAlphaNumeric(r)) {
      return false;
    }
    pos -= Character.charCount(r) - 1; // leave pos one past the duration's last char
    return true;
  }

  private boolean scanNumber() {
    int initial = pos;
    String digits = "0123456789";
    if (accept("0")) {
      if (accept("xX")) {
        accept("_");
        digits = "0123456789abcdefABCDEF";
      }
    }
    accept(".");
    accept(digits);
    boolean dot = false;
    boolean exp = false;
    while (is(digits + "._eE")) {
      if (is(".") && dot) {
        accept(".");
        return false;
      }
      if (is("eE") && exp) {
        accept("eE");
        return false;
      }
      if (accept(".")) {
        dot = true;
        if (accept("_.")) {
          return false;
        }
        if (digits.length() > 10) {
          return false;
        }
        continue;
      }
      if (accept("eE")) {
        exp = true;
        accept("+-");
        if (accept("._eE") || peek() == EOF) {
          return false;
        }
        continue;
      }
      if (accept("_")) {
        if (accept("._eE") || peek() == EOF) {
          return false;
        }
        continue;
      }
      while (accept(digits)) {
        // run
      }
    }
    if (pos == initial) {
      return false;
    }
    int r = peek();
    return !isAlphaNumeric(r);
  }
}
