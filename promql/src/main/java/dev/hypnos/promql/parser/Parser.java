package dev.hypnos.promql.parser;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.labels.RegexSyntaxException;
import dev.hypnos.promql.parser.Expr.AggregateExpr;
import dev.hypnos.promql.parser.Expr.BinaryExpr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.Cardinality;
import dev.hypnos.promql.parser.Expr.DurationExpr;
import dev.hypnos.promql.parser.Expr.DurationOp;
import dev.hypnos.promql.parser.Expr.FillValues;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.NumberLiteral;
import dev.hypnos.promql.parser.Expr.ParenExpr;
import dev.hypnos.promql.parser.Expr.StringLiteral;
import dev.hypnos.promql.parser.Expr.SubqueryExpr;
import dev.hypnos.promql.parser.Expr.UnaryExpr;
import dev.hypnos.promql.parser.Expr.VectorMatching;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import dev.hypnos.promql.parser.Token.Kind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The recursive-descent / precedence-climbing parser behind {@link PromQLParser}; one instance
 * per query. It follows the grammar of Prometheus's yacc parser (including how its conflicts are
 * resolved) and reports the first error with Prometheus's message.
 */
final class Parser {
  private static final double MAX_DURATION_SECONDS = 9.223372036854775807e9;

  /**
   * Deepest accepted expression tree. Prometheus has no such limit (its parser keeps its stack
   * on the heap); ours recurses, so absurd nesting is refused instead of overflowing the stack.
   */
  static final int MAX_DEPTH = 1000;

  private int depth;

  private final String input;
  private final ParserOptions options;
  private List<Token> toks = List.of();
  private int idx;
  /** End offset of the last ")", "]", "}", number or duration consumed (Prometheus lastClosing). */
  private int lastClosing;

  Parser(String input, ParserOptions options) {
    this.input = input;
    this.options = options;
  }

  // ---------------------------------------------------------------- infrastructure

  private Token peek() {
    return toks.get(idx);
  }

  private Token peek(int ahead) {
    int i = Math.min(idx + ahead, toks.size() - 1);
    return toks.get(i);
  }

  private Token next() {
    Token t = toks.get(idx);
    if (t.kind() != Kind.EOF && t.kind() != Kind.ERROR) {
      idx++;
    }
    switch (t.kind()) {
      case RIGHT_BRACE, RIGHT_PAREN, RIGHT_BRACKET, DURATION, NUMBER -> lastClosing = t.end();
      default -> {}
    }
    return t;
  }

  private boolean at(Kind k) {
    return peek().kind() == k;
  }

  private ParseException error(PositionRange pos, String message) {
    return new ParseException(pos, message, input);
  }

  private ParseException lexError(Token t) {
    return error(new PositionRange(t.pos(), input.length()), t.text());
  }

  /** Prometheus's "unexpected X[ in context][, expected Y]" for the current token. */
  private ParseException unexpected(String context, String expected) {
    Token t = peek();
    if (t.kind() == Kind.ERROR) {
      return lexError(t);
    }
    StringBuilder sb = new StringBuilder("unexpected ").append(t.describe());
    if (!context.isEmpty()) {
      sb.append(" in ").append(context);
    }
    if (!expected.isEmpty()) {
      sb.append(", expected ").append(expected);
    }
    return error(t.range(), sb.toString());
  }

  /** Context of "unexpected" errors inside a duration (Prometheus's error rules around it). */
  private String durCtx = "";

  private String durExpected = "";

  private Expr inDurationContext(String ctx, String expected, java.util.function.Supplier<Expr> p) {
    String oc = durCtx;
    String oe = durExpected;
    durCtx = ctx;
    durExpected = expected;
    try {
      return p.get();
    } finally {
      durCtx = oc;
      durExpected = oe;
    }
  }

  private ParseException durUnexpected() {
    return unexpected(durCtx, durExpected);
  }

  private Token expectInDuration(Kind k) {
    if (!at(k)) {
      throw durUnexpected();
    }
    return next();
  }

  private Token expect(Kind k, String context, String expected) {
    if (!at(k)) {
      throw unexpected(context, expected);
    }
    return next();
  }

  // ---------------------------------------------------------------- entry

  Expr parseQuery() {
    toks = Lexer.lex(input);
    idx = 0;
    if (at(Kind.EOF)) {
      throw error(new PositionRange(0, 0), "no expression found in input");
    }
    Expr e = parseExpr(0);
    if (!at(Kind.EOF)) {
      throw unexpected("", "");
    }
    checkDepth(e);
    return new Checker().check(e);
  }

  // ---------------------------------------------------------------- expressions

  private static @Nullable BinaryOp binaryOp(Kind k) {
    return switch (k) {
      case ADD -> BinaryOp.ADD;
      case SUB -> BinaryOp.SUB;
      case MUL -> BinaryOp.MUL;
      case DIV -> BinaryOp.DIV;
      case MOD -> BinaryOp.MOD;
      case POW -> BinaryOp.POW;
      case ATAN2 -> BinaryOp.ATAN2;
      case EQLC -> BinaryOp.EQLC;
      case NEQ -> BinaryOp.NEQ;
      case LTE -> BinaryOp.LTE;
      case LSS -> BinaryOp.LSS;
      case GTE -> BinaryOp.GTE;
      case GTR -> BinaryOp.GTR;
      case TRIM_UPPER -> BinaryOp.TRIM_UPPER;
      case TRIM_LOWER -> BinaryOp.TRIM_LOWER;
      case LAND -> BinaryOp.AND;
      case LOR -> BinaryOp.OR;
      case LUNLESS -> BinaryOp.UNLESS;
      default -> null;
    };
  }

  private Expr parseExpr(int minPrec) {
    Expr lhs = parseUnary();
    while (true) {
      BinaryOp op = binaryOp(peek().kind());
      if (op == null || op.precedence() < minPrec) {
        return lhs;
      }
      next();
      Modifiers mods = parseBinModifiers();
      Expr rhs = parseExpr(op.isRightAssociative() ? op.precedence() : op.precedence() + 1);
      PositionRange pos = new PositionRange(lhs.position().start(), rhs.position().end());
      VectorMatching vm =
          new VectorMatching(mods.card, mods.matchingLabels, mods.on, mods.include, mods.fill);
      if (!options.enabled(ParserOptions.BINOP_FILL_MODIFIERS)
          && (mods.fill.lhs() != null || mods.fill.rhs() != null)) {
        throw error(pos, "binop fill modifiers are experimental and not enabled");
      }
      lhs = new BinaryExpr(op, lhs, rhs, vm, mods.returnBool, pos);
    }
  }

  private static final class Modifiers {
    boolean returnBool;
    boolean on;
    List<String> matchingLabels = List.of();
    Cardinality card = Cardinality.ONE_TO_ONE;
    List<String> include = List.of();
    FillValues fill = FillValues.NONE;
  }

  private Modifiers parseBinModifiers() {
    Modifiers m = new Modifiers();
    if (at(Kind.BOOL)) {
      next();
      m.returnBool = true;
    }
    if (at(Kind.ON) || at(Kind.IGNORING)) {
      m.on = next().kind() == Kind.ON;
      m.matchingLabels = parseGroupingLabels();
      if (at(Kind.GROUP_LEFT) || at(Kind.GROUP_RIGHT)) {
        m.card = next().kind() == Kind.GROUP_LEFT ? Cardinality.MANY_TO_ONE : Cardinality.ONE_TO_MANY;
        if (at(Kind.LEFT_PAREN)) {
          m.include = parseGroupingLabels();
        }
      }
    }
    Double fl = null;
    Double fr = null;
    if (at(Kind.FILL)) {
      next();
      fl = parseFillValue();
      fr = fl;
    } else if (at(Kind.FILL_LEFT)) {
      next();
      fl = parseFillValue();
      if (at(Kind.FILL_RIGHT)) {
        next();
        fr = parseFillValue();
      }
    } else if (at(Kind.FILL_RIGHT)) {
      next();
      fr = parseFillValue();
      if (at(Kind.FILL_LEFT)) {
        next();
        fl = parseFillValue();
      }
    }
    if (fl != null || fr != null) {
      m.fill = new FillValues(fl, fr);
    }
    return m;
  }

  private double parseFillValue() {
    expect(Kind.LEFT_PAREN, "", "");
    double sign = 1;
    if (at(Kind.ADD) || at(Kind.SUB)) {
      sign = next().kind() == Kind.SUB ? -1 : 1;
    }
    if (!at(Kind.NUMBER) && !at(Kind.DURATION)) {
      throw unexpected("", "");
    }
    NumberLiteral n = numberLiteral(next());
    expect(Kind.RIGHT_PAREN, "", "");
    return sign * n.value();
  }

  private Expr parseUnary() {
    if (++depth > MAX_DEPTH) {
      throw tooDeep(peek().range());
    }
    try {
      return parseUnaryInner();
    } finally {
      depth--;
    }
  }

  private ParseException tooDeep(PositionRange at) {
    return error(at, "query is nested too deeply (more than " + MAX_DEPTH + " levels)");
  }

  /** Iteratively measures the tree, so that checking and printing can recurse safely. */
  private void checkDepth(Expr root) {
    java.util.ArrayDeque<Expr> stack = new java.util.ArrayDeque<>();
    java.util.ArrayDeque<Integer> depths = new java.util.ArrayDeque<>();
    stack.push(root);
    depths.push(1);
    while (!stack.isEmpty()) {
      Expr e = stack.pop();
      int d = depths.pop();
      if (d > MAX_DEPTH) {
        throw tooDeep(e.position());
      }
      for (Expr c : Exprs.children(e)) {
        stack.push(c);
        depths.push(d + 1);
      }
    }
  }

  private Expr parseUnaryInner() {
    if (at(Kind.ADD) || at(Kind.SUB)) {
      Token op = next();
      Expr operand = parseExpr(BinaryOp.POW.precedence());
      if (operand instanceof NumberLiteral n) {
        double v = op.kind() == Kind.SUB ? -n.value() : n.value();
        return new NumberLiteral(
            v, n.duration(), new PositionRange(op.pos(), n.position().end()));
      }
      return new UnaryExpr(
          op.kind() == Kind.SUB ? UnaryOp.SUB : UnaryOp.ADD,
          operand,
          new PositionRange(op.pos(), operand.position().end()));
    }
    Expr e = parsePrimary();
    return parsePostfix(e);
  }

  private Expr parsePostfix(Expr start) {
    Expr e = start;
    while (true) {
      switch (peek().kind()) {
        case LEFT_BRACKET -> e = parseRangeOrSubquery(e);
        case OFFSET -> e = parseOffset(e);
        case AT -> e = parseAt(e);
        case ANCHORED, SMOOTHED -> e = parseExtended(e, next());
        default -> {
          return e;
        }
      }
    }
  }

  private static boolean isMetricIdentifier(Kind k) {
    return switch (k) {
      case AVG, BOTTOMK, BY, COUNT, COUNT_VALUES, FILL, FILL_LEFT, FILL_RIGHT, GROUP, IDENTIFIER,
          LAND, LOR, LUNLESS, MAX, METRIC_IDENTIFIER, MIN, OFFSET, QUANTILE, STDDEV, STDVAR, SUM,
          TOPK, WITHOUT, START, END, LIMITK, LIMIT_RATIO, STEP, RANGE, ANCHORED, SMOOTHED, MAX_OF,
          MIN_OF -> true;
      default -> false;
    };
  }

  private Expr parsePrimary() {
    Token t = peek();
    Kind k = t.kind();
    switch (k) {
      case NUMBER, DURATION -> {
        next();
        return numberLiteral(t);
      }
      case STRING -> {
        next();
        return new StringLiteral(unquote(t), t.range());
      }
      case LEFT_PAREN -> {
        next();
        Expr inner = parseExpr(0);
        Token close = expect(Kind.RIGHT_PAREN, "", "");
        return new ParenExpr(inner, new PositionRange(t.pos(), close.end()));
      }
      case LEFT_BRACE -> {
        return parseVectorSelector(null);
      }
      default -> {}
    }
    if (k.isAggregator()) {
      Kind n = peek(1).kind();
      if (n == Kind.LEFT_PAREN || n == Kind.BY || n == Kind.WITHOUT) {
        return parseAggregate();
      }
    }
    if ((k == Kind.IDENTIFIER || k.isPreprocessor()) && peek(1).kind() == Kind.LEFT_PAREN) {
      return parseCall();
    }
    if (isMetricIdentifier(k)) {
      next();
      return parseVectorSelector(t);
    }
    throw unexpected("", "");
  }

  NumberLiteral numberLiteral(Token t) {
    if (t.kind() == Kind.DURATION) {
      long ms = parseDurationMs(t);
      return new NumberLiteral(ms / 1000.0, true, t.range());
    }
    return new NumberLiteral(parseNumber(t), false, t.range());
  }

  private double parseNumber(Token t) {
    String text = t.text();
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.equals("inf")) {
      return Double.POSITIVE_INFINITY;
    }
    if (lower.equals("nan")) {
      return Double.NaN;
    }
    String s = text.replace("_", "");
    try {
      if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
        return Long.parseLong(s.substring(2), 16);
      }
      if (s.length() > 1 && s.charAt(0) == '0' && s.chars().allMatch(Lexer::isDigit)) {
        return Long.parseLong(s.substring(1), 8);
      }
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      // not an int64: try a float, as Prometheus does
    }
    if (s.startsWith("0x") || s.startsWith("0X")) {
      throw error(
          t.range(),
          "error parsing number: strconv.ParseFloat: parsing " + Token.goQuote(text)
              + ": invalid syntax");
    }
    double d;
    try {
      d = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw error(
          t.range(),
          "error parsing number: strconv.ParseFloat: parsing " + Token.goQuote(text)
              + ": invalid syntax");
    }
    if (Double.isInfinite(d)) {
      throw error(
          t.range(),
          "error parsing number: strconv.ParseFloat: parsing " + Token.goQuote(text)
              + ": value out of range");
    }
    return d;
  }

  private static final String[] UNITS = {"y", "w", "d", "h", "m", "s", "ms"};
  private static final long[] UNIT_MS = {
    365L * 86_400_000L, 7L * 86_400_000L, 86_400_000L, 3_600_000L, 60_000L, 1000L, 1L
  };

  /** Prometheus's model.ParseDuration, in milliseconds. */
  long parseDurationMs(Token t) {
    try {
      return parseDurationMs(t.text());
    } catch (IllegalArgumentException e) {
      throw error(t.range(), e.getMessage());
    }
  }

  static long parseDurationMs(String s) {
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration string");
    }
    if (s.equals("0")) {
      return 0;
    }
    String invalid = "not a valid duration string: " + Token.goQuote(s);
    int i = 0;
    int lastUnit = -1;
    long total = 0;
    while (i < s.length()) {
      int ds = i;
      while (i < s.length() && Lexer.isDigit(s.charAt(i))) {
        i++;
      }
      if (i == ds) {
        throw new IllegalArgumentException(invalid);
      }
      String digits = s.substring(ds, i);
      int us = i;
      while (i < s.length() && Lexer.isAlpha(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(us, i);
      int u = -1;
      for (int j = 0; j < UNITS.length; j++) {
        if (UNITS[j].equals(unit)) {
          u = j;
        }
      }
      if (u < 0) {
        if (unit.isEmpty()) {
          throw new IllegalArgumentException(invalid);
        }
        throw new IllegalArgumentException(
            "unknown unit " + Token.goQuote(unit) + " in duration " + Token.goQuote(s));
      }
      if (u <= lastUnit) {
        throw new IllegalArgumentException(invalid);
      }
      lastUnit = u;
      long v;
      try {
        v = Long.parseLong(digits);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("duration out of range");
      }
      // Prometheus keeps durations in nanoseconds (int64).
      long maxMs = Long.MAX_VALUE / 1_000_000L;
      if (v > maxMs / UNIT_MS[u]) {
        throw new IllegalArgumentException("duration out of range");
      }
      total += v * UNIT_MS[u];
      if (total > maxMs) {
        throw new IllegalArgumentException("duration out of range");
      }
    }
    return total;
  }

  // ---------------------------------------------------------------- strings

  String unquote(Token t) {
    String s = t.text();
    char q = s.charAt(0);
    String body = s.substring(1, s.length() - 1);
    if (q == '`') {
      return body;
    }
    if (body.indexOf('\\') < 0) {
      return body;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length() + 8);
    int i = 0;
    while (i < body.length()) {
      int cp = body.codePointAt(i);
      if (cp != '\\') {
        byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        i += Character.charCount(cp);
        continue;
      }
      char c = body.charAt(i + 1);
      i += 2;
      switch (c) {
        case 'a' -> out.write(7);
        case 'b' -> out.write(8);
        case 'f' -> out.write(12);
        case 'n' -> out.write('\n');
        case 'r' -> out.write('\r');
        case 't' -> out.write('\t');
        case 'v' -> out.write(11);
        case '\\' -> out.write('\\');
        case '\'', '"' -> out.write(c);
        case 'x' -> {
          out.write(Integer.parseInt(body.substring(i, i + 2), 16));
          i += 2;
        }
        case 'u', 'U' -> {
          int n = c == 'u' ? 4 : 8;
          int v = Integer.parseUnsignedInt(body.substring(i, i + n), 16);
          i += n;
          byte[] b = new String(Character.toChars(v)).getBytes(StandardCharsets.UTF_8);
          out.write(b, 0, b.length);
        }
        default -> {
          // octal \NNN
          out.write(Integer.parseInt(body.substring(i - 1, i + 2), 8));
          i += 2;
        }
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- selectors

  private VectorSelector parseVectorSelector(@Nullable Token nameTok) {
    String name = nameTok == null ? null : nameTok.text();
    int start = nameTok == null ? peek().pos() : nameTok.pos();
    int end = nameTok == null ? start : nameTok.end();
    List<Matcher> matchers = new ArrayList<>();
    if (at(Kind.LEFT_BRACE)) {
      next();
      while (true) {
        if (at(Kind.RIGHT_BRACE)) {
          break;
        }
        matchers.add(parseLabelMatcher());
        if (at(Kind.COMMA)) {
          next();
          continue;
        }
        if (!at(Kind.RIGHT_BRACE)) {
          throw unexpected("label matching", "\",\" or \"}\"");
        }
      }
      end = next().end();
    }
    if (name != null) {
      matchers.add(Matcher.eq("__name__", name));
    }
    return new VectorSelector(
        name, matchers, 0, null, null, false, false, false, new PositionRange(start, end));
  }

  private Matcher parseLabelMatcher() {
    Token t = peek();
    if (t.kind() != Kind.IDENTIFIER && t.kind() != Kind.STRING) {
      throw unexpected("label matching", "identifier or \"}\"");
    }
    next();
    String name = t.kind() == Kind.STRING ? unquote(t) : t.text();
    MatchType type;
    switch (peek().kind()) {
      case EQL -> type = MatchType.EQ;
      case NEQ -> type = MatchType.NEQ;
      case EQL_REGEX -> type = MatchType.RE;
      case NEQ_REGEX -> type = MatchType.NRE;
      default -> {
        if (t.kind() == Kind.STRING) {
          return Matcher.eq("__name__", name);
        }
        throw unexpected("label matching", "label matching operator");
      }
    }
    next();
    Token v = expect(Kind.STRING, "label matching", "string");
    String value = unquote(v);
    try {
      return Matcher.of(type, name, value);
    } catch (IllegalArgumentException e) {
      Throwable cause = e.getCause();
      String msg = cause instanceof RegexSyntaxException ? cause.getMessage() : e.getMessage();
      throw error(new PositionRange(t.pos(), v.end()), String.valueOf(msg));
    }
  }

  private Expr parseRangeOrSubquery(Expr e) {
    Token open = next(); // [
    if (at(Kind.RIGHT_BRACKET)) {
      throw unexpected("subquery or range selector", "number, duration, step(), or range()");
    }
    if (!startsDuration(peek().kind())) {
      throw unexpected("subquery or range selector", "number, duration, step(), or range()");
    }
    Expr range = inDurationContext(
        "subquery or range selector",
        "number, duration, step(), or range()",
        this::parsePositiveDuration);
    if (at(Kind.RIGHT_BRACKET)) {
      Token close = next();
      PositionRange br = new PositionRange(open.pos(), close.end());
      if (!(e instanceof VectorSelector vs)) {
        throw error(br, "ranges only allowed for vector selectors");
      }
      if (vs.offsetMs() != 0 || vs.offsetExpr() != null) {
        throw error(br, "no offset modifiers allowed before range");
      }
      if (vs.at() != null) {
        throw error(br, "no @ modifiers allowed before range");
      }
      return new MatrixSelector(
          vs,
          durationMs(range),
          range instanceof DurationExpr d ? d : null,
          new PositionRange(vs.position().start(), close.end()));
    }
    if (!at(Kind.COLON)) {
      throw unexpected("subquery or range", "\":\" or \"]\"");
    }
    next();
    Expr step = null;
    if (!at(Kind.RIGHT_BRACKET)) {
      if (!startsDuration(peek().kind())) {
        throw unexpected("subquery selector", "number, duration, step(), range(), or \"]\"");
      }
      step = inDurationContext(
          "subquery selector",
          "number, duration, step(), range(), or \"]\"",
          this::parsePositiveDuration);
      if (!at(Kind.RIGHT_BRACKET)) {
        throw unexpected("subquery selector", "\"]\"");
      }
    }
    Token close = next();
    return new SubqueryExpr(
        e,
        durationMs(range),
        range instanceof DurationExpr d ? d : null,
        step == null ? 0 : durationMs(step),
        step instanceof DurationExpr d ? d : null,
        0,
        null,
        null,
        new PositionRange(e.position().start(), close.end()));
  }

  private static boolean startsDuration(Kind k) {
    return switch (k) {
      case NUMBER, DURATION, ADD, SUB, LEFT_PAREN, STEP, RANGE, MIN_OF, MAX_OF -> true;
      default -> false;
    };
  }

  /** Milliseconds of a constant duration (seconds literal), 0 for a duration expression. */
  private static long durationMs(Expr e) {
    if (e instanceof NumberLiteral n) {
      return goRound(n.value() * 1e9) / 1_000_000L;
    }
    return 0;
  }

  static long goRound(double v) {
    if (Double.isNaN(v)) {
      return 0;
    }
    double r = v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
    return (long) r;
  }

  private Expr parsePositiveDuration() {
    Expr d = parseDuration(0);
    if (d instanceof NumberLiteral n && n.value() <= 0) {
      throw error(n.position(), "duration must be greater than 0");
    }
    return d;
  }

  // ---------------------------------------------------------------- duration expressions

  private static @Nullable DurationOp durationBinaryOp(Kind k) {
    return switch (k) {
      case ADD -> DurationOp.ADD;
      case SUB -> DurationOp.SUB;
      case MUL -> DurationOp.MUL;
      case DIV -> DurationOp.DIV;
      case MOD -> DurationOp.MOD;
      case POW -> DurationOp.POW;
      default -> null;
    };
  }

  private static int durationPrecedence(DurationOp op) {
    return switch (op) {
      case ADD, SUB -> 4;
      case MUL, DIV, MOD -> 5;
      default -> 6;
    };
  }

  private void requireDurationExpr(Expr e) {
    if (!options.enabled(ParserOptions.DURATION_EXPR)) {
      throw error(e.position(), "experimental duration expression is not enabled");
    }
  }

  private Expr parseDuration(int minPrec) {
    Expr lhs = parseDurationUnary();
    while (true) {
      DurationOp op = durationBinaryOp(peek().kind());
      if (op == null || durationPrecedence(op) < minPrec) {
        return lhs;
      }
      Token opTok = next();
      int p = durationPrecedence(op);
      Expr rhs = parseDuration(op == DurationOp.POW ? p : p + 1);
      requireDurationExpr(lhs);
      if (op == DurationOp.DIV && rhs instanceof NumberLiteral n && n.value() == 0) {
        throw error(opTok.range(), "division by zero");
      }
      if (op == DurationOp.MOD && rhs instanceof NumberLiteral n && n.value() == 0) {
        throw error(opTok.range(), "modulo by zero");
      }
      lhs = new DurationExpr(
          op, lhs, rhs, false, new PositionRange(lhs.position().start(), rhs.position().end()));
    }
  }

  private Expr parseDurationUnary() {
    if (++depth > MAX_DEPTH) {
      throw tooDeep(peek().range());
    }
    try {
      return parseDurationUnaryInner();
    } finally {
      depth--;
    }
  }

  private Expr parseDurationUnaryInner() {
    Token t = peek();
    switch (t.kind()) {
      case ADD, SUB -> {
        next();
        Expr operand = parseDuration(6);
        return applyUnary(t, operand, false);
      }
      case NUMBER, DURATION -> {
        return durationLiteral(next());
      }
      case STEP, RANGE -> {
        return parseStepOrRange();
      }
      case MIN_OF, MAX_OF -> {
        return parseMinMax();
      }
      case LEFT_PAREN -> {
        next();
        Expr inner = parseDuration(0);
        Token close = expectInDuration(Kind.RIGHT_PAREN);
        requireDurationExpr(inner);
        return wrap(inner, t.pos(), close.end());
      }
      default -> throw durUnexpected();
    }
  }

  private NumberLiteral durationLiteral(Token t) {
    NumberLiteral n = numberLiteral(t);
    if (outOfRange(n.value())) {
      throw error(n.position(), "duration out of range");
    }
    return n;
  }

  private static boolean outOfRange(double v) {
    return v > MAX_DURATION_SECONDS || v < -MAX_DURATION_SECONDS;
  }

  private DurationExpr parseStepOrRange() {
    Token t = next();
    expectInDuration(Kind.LEFT_PAREN);
    Token close = expectInDuration(Kind.RIGHT_PAREN);
    DurationExpr d = new DurationExpr(
        t.kind() == Kind.STEP ? DurationOp.STEP : DurationOp.RANGE,
        null,
        null,
        false,
        new PositionRange(t.pos(), close.end()));
    requireDurationExpr(d);
    return d;
  }

  private DurationExpr parseMinMax() {
    Token t = next();
    expectInDuration(Kind.LEFT_PAREN);
    Expr a = parseDuration(0);
    expectInDuration(Kind.COMMA);
    Expr b = parseDuration(0);
    Token close = expectInDuration(Kind.RIGHT_PAREN);
    DurationExpr d = new DurationExpr(
        t.kind() == Kind.MIN_OF ? DurationOp.MIN_OF : DurationOp.MAX_OF,
        a,
        b,
        false,
        new PositionRange(t.pos(), close.end()));
    requireDurationExpr(d);
    return d;
  }

  private static Expr wrap(Expr e, int start, int end) {
    if (e instanceof DurationExpr d) {
      return new DurationExpr(d.op(), d.lhs(), d.rhs(), true, new PositionRange(start, end));
    }
    return new DurationExpr(DurationOp.ADD, null, e, true, new PositionRange(start, end));
  }

  private Expr applyUnary(Token op, Expr operand, boolean wrapped) {
    Expr e = operand;
    if (wrapped) {
      e = wrap(e, e.position().start(), e.position().end());
    }
    if (e instanceof DurationExpr d) {
      if (op.kind() == Kind.SUB) {
        return new DurationExpr(
            DurationOp.SUB, null, d, false, new PositionRange(op.pos(), d.position().end()));
      }
      return d;
    }
    if (e instanceof NumberLiteral n) {
      double v = op.kind() == Kind.SUB ? -n.value() : n.value();
      if (outOfRange(v)) {
        throw error(op.range(), "duration out of range");
      }
      return new NumberLiteral(v, n.duration(), new PositionRange(op.pos(), n.position().end()));
    }
    throw error(op.range(), "expected number literal or duration expression");
  }

  // ---------------------------------------------------------------- modifiers

  private Expr parseOffset(Expr e) {
    next(); // offset
    Expr d = inDurationContext("offset", "number, duration, step(), or range()", this::parseOffsetDuration);
    return applyOffset(e, d);
  }

  private Expr parseOffsetDuration() {
    Token t = peek();
    Expr d;
    switch (t.kind()) {
      case ADD, SUB -> {
        Kind k2 = peek(1).kind();
        switch (k2) {
          case NUMBER, DURATION -> {
            next();
            NumberLiteral n = numberLiteral(next());
            double v = t.kind() == Kind.SUB ? -n.value() : n.value();
            if (outOfRange(v)) {
              throw error(t.range(), "duration out of range");
            }
            d = new NumberLiteral(v, n.duration(), new PositionRange(t.pos(), n.position().end()));
          }
          case STEP, RANGE -> {
            next();
            d = applyUnary(t, parseStepOrRange(), false);
          }
          case MIN_OF, MAX_OF -> {
            next();
            d = applyUnary(t, parseMinMax(), false);
          }
          case LEFT_PAREN -> {
            next();
            Token open = next();
            Expr inner = parseDuration(0);
            Token close = expectInDuration(Kind.RIGHT_PAREN);
            d = applyUnary(t, wrap(inner, open.pos(), close.end()), false);
          }
          default -> d = parseDuration(0);
        }
      }
      case NUMBER, DURATION -> d = durationLiteral(next());
      case STEP, RANGE -> d = parseStepOrRange();
      case MIN_OF, MAX_OF -> d = parseMinMax();
      case LEFT_PAREN -> d = parseDuration(0);
      default -> throw unexpected("offset", "number, duration, step(), or range()");
    }
    return d;
  }

  private Expr applyOffset(Expr e, Expr d) {
    long ms = 0;
    DurationExpr de = null;
    if (d instanceof NumberLiteral n) {
      ms = goRound(n.value() * 1e9) / 1_000_000L;
    } else {
      de = (DurationExpr) d;
    }
    return switch (e) {
      case VectorSelector vs -> {
        checkOffsetUnset(e, vs.offsetMs(), vs.offsetExpr());
        yield vs.withOffset(ms, de)
            .withPosition(new PositionRange(vs.position().start(), lastClosing));
      }
      case MatrixSelector m -> {
        checkOffsetUnset(e, m.selector().offsetMs(), m.selector().offsetExpr());
        yield new MatrixSelector(
            m.selector().withOffset(ms, de),
            m.rangeMs(),
            m.rangeExpr(),
            new PositionRange(m.position().start(), lastClosing));
      }
      case SubqueryExpr s -> {
        checkOffsetUnset(e, s.offsetMs(), s.offsetExpr());
        SubqueryExpr r = s.withOffset(ms, de);
        yield new SubqueryExpr(
            r.expr(), r.rangeMs(), r.rangeExpr(), r.stepMs(), r.stepExpr(), r.offsetMs(),
            r.offsetExpr(), r.at(), new PositionRange(s.position().start(), lastClosing));
      }
      default ->
          throw error(
              e.position(),
              "offset modifier must be preceded by an instant vector selector or range vector"
                  + " selector or a subquery");
    };
  }

  private void checkOffsetUnset(Expr e, long ms, @Nullable DurationExpr de) {
    if (ms != 0 || de != null) {
      throw error(e.position(), "offset may not be set multiple times");
    }
  }

  private Expr parseAt(Expr e) {
    next(); // @
    Token t = peek();
    AtModifier at;
    if (t.kind() == Kind.NUMBER || t.kind() == Kind.DURATION
        || ((t.kind() == Kind.ADD || t.kind() == Kind.SUB)
            && (peek(1).kind() == Kind.NUMBER || peek(1).kind() == Kind.DURATION))) {
      double sign = 1;
      if (t.kind() == Kind.ADD || t.kind() == Kind.SUB) {
        sign = next().kind() == Kind.SUB ? -1 : 1;
      }
      Token numTok = next();
      double ts = sign * numberLiteral(numTok).value();
      if (Double.isInfinite(ts) || Double.isNaN(ts) || ts >= 9.223372036854775807e18
          || ts <= -9.223372036854775808e18) {
        throw error(e.position(), "timestamp out of bounds for @ modifier: " + goF(ts));
      }
      at = AtModifier.at(timestampMillis(numTok, sign, ts));
    } else if ((t.kind() == Kind.START || t.kind() == Kind.END)) {
      next();
      expect(Kind.LEFT_PAREN, "@", "timestamp");
      expect(Kind.RIGHT_PAREN, "@", "timestamp");
      at = t.kind() == Kind.START ? AtModifier.START : AtModifier.END;
    } else {
      throw unexpected("@", "timestamp");
    }
    PositionRange np = new PositionRange(e.position().start(), lastClosing);
    return switch (e) {
      case VectorSelector vs -> {
        checkAtUnset(e, vs.at());
        yield vs.withAt(at).withPosition(np);
      }
      case MatrixSelector m -> {
        checkAtUnset(e, m.selector().at());
        yield new MatrixSelector(m.selector().withAt(at), m.rangeMs(), m.rangeExpr(), np);
      }
      case SubqueryExpr s -> {
        checkAtUnset(e, s.at());
        SubqueryExpr r = s.withAt(at);
        yield new SubqueryExpr(
            r.expr(), r.rangeMs(), r.rangeExpr(), r.stepMs(), r.stepExpr(), r.offsetMs(),
            r.offsetExpr(), r.at(), np);
      }
      default ->
          throw error(
              e.position(),
              "@ modifier must be preceded by an instant vector selector or range vector selector"
                  + " or a subquery");
    };
  }

  /**
   * Milliseconds of an @ timestamp. Plain decimals are converted exactly, so that a printed
   * timestamp ({@code @ 123.456}) reads back to the same value even beyond 2^53 ms; other forms
   * (hex, durations) go through float arithmetic as in Prometheus.
   */
  private static long timestampMillis(Token t, double sign, double seconds) {
    if (t.kind() == Kind.NUMBER && t.text().matches("[0-9]*\\.?[0-9]*([eE][+-]?[0-9]+)?")
        && !t.text().startsWith("0") || t.text().startsWith("0.") || t.text().equals("0")) {
      try {
        java.math.BigDecimal d = new java.math.BigDecimal(t.text()).movePointRight(3)
            .setScale(0, java.math.RoundingMode.HALF_UP);
        return sign < 0 ? d.negate().longValueExact() : d.longValueExact();
      } catch (ArithmeticException | NumberFormatException e) {
        // fall back to float arithmetic
      }
    }
    return goRound(seconds * 1000);
  }

  private void checkAtUnset(Expr e, @Nullable AtModifier at) {
    if (at != null) {
      throw error(e.position(), "@ <timestamp> may not be set multiple times");
    }
  }

  /** Go's %f. */
  static String goF(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return String.format(Locale.ROOT, "%f", v);
  }

  private Expr parseExtended(Expr e, Token t) {
    boolean anchored = t.kind() == Kind.ANCHORED;
    String name = anchored ? "anchored" : "smoothed";
    if (!options.enabled(ParserOptions.EXTENDED_RANGE_SELECTORS)) {
      throw error(e.position(), name + " modifier is experimental and not enabled");
    }
    VectorSelector vs;
    switch (e) {
      case VectorSelector v -> vs = v;
      case MatrixSelector m -> vs = m.selector();
      case SubqueryExpr s ->
          throw error(e.position(), name + " modifier is not supported for subqueries");
      default -> throw error(e.position(), name + " modifier not implemented");
    }
    if (anchored ? vs.smoothed() : vs.anchored()) {
      throw error(e.position(), "anchored and smoothed modifiers cannot be used together");
    }
    VectorSelector nv = new VectorSelector(
        vs.name(), vs.matchers(), vs.offsetMs(), vs.offsetExpr(), vs.at(),
        anchored || vs.anchored(), !anchored || vs.smoothed(), vs.bypassEmptyMatcherCheck(),
        new PositionRange(vs.position().start(), Math.max(vs.position().end(), t.end())));
    if (e instanceof MatrixSelector m) {
      return new MatrixSelector(
          nv.withPosition(vs.position()), m.rangeMs(), m.rangeExpr(),
          new PositionRange(m.position().start(), t.end()));
    }
    return nv;
  }

  // ---------------------------------------------------------------- calls and aggregations

  private List<Expr> parseCallBody() {
    expect(Kind.LEFT_PAREN, "", "");
    List<Expr> args = new ArrayList<>();
    if (at(Kind.RIGHT_PAREN)) {
      next();
      return args;
    }
    while (true) {
      args.add(parseExpr(0));
      if (at(Kind.COMMA)) {
        Token comma = next();
        if (at(Kind.RIGHT_PAREN)) {
          throw error(comma.range(), "trailing commas not allowed in function call args");
        }
        continue;
      }
      if (at(Kind.RIGHT_PAREN)) {
        next();
        return args;
      }
      throw unexpected("", "");
    }
  }

  private Expr parseCall() {
    Token name = next();
    Function f = Function.lookup(name.text());
    // As in Prometheus's grammar, the name is checked once the argument list has parsed, so
    // "foo(" reports the unclosed parenthesis.
    List<Expr> args = parseCallBody();
    if (f == null) {
      throw error(name.range(), "unknown function with name " + Token.goQuote(name.text()));
    }
    if (f.experimental() && !options.enabled(ParserOptions.EXPERIMENTAL_FUNCTIONS)) {
      throw error(name.range(), "function " + Token.goQuote(name.text()) + " is not enabled");
    }
    return new Call(f, args, new PositionRange(name.pos(), lastClosing));
  }

  private Expr parseAggregate() {
    Token opTok = next();
    AggregateOp op = AggregateOp.fromKeyword(opTok.text());
    if (op == null) {
      throw unexpected("aggregation", "");
    }
    List<String> grouping = List.of();
    boolean without = false;
    boolean modifier = false;
    if (at(Kind.BY) || at(Kind.WITHOUT)) {
      without = next().kind() == Kind.WITHOUT;
      grouping = parseGroupingLabels();
      modifier = true;
    }
    if (!at(Kind.LEFT_PAREN)) {
      throw unexpected("aggregation", "");
    }
    List<Expr> args = parseCallBody();
    int end = lastClosing;
    if (!modifier && (at(Kind.BY) || at(Kind.WITHOUT))) {
      without = next().kind() == Kind.WITHOUT;
      grouping = parseGroupingLabels();
    }
    PositionRange pos = new PositionRange(opTok.pos(), modifier ? end : lastClosing);
    if (args.isEmpty()) {
      throw error(pos, "no arguments for aggregate expression provided");
    }
    int desired = 1;
    Expr param = null;
    if (op.hasParam()) {
      if (op.isExperimental() && !options.enabled(ParserOptions.EXPERIMENTAL_FUNCTIONS)) {
        throw error(
            pos,
            op.text()
                + "() is experimental and must be enabled with"
                + " --enable-feature=promql-experimental-functions");
      }
      desired = 2;
      param = args.get(0);
    }
    if (args.size() != desired) {
      throw error(
          pos,
          "wrong number of arguments for aggregate expression provided, expected "
              + desired + ", got " + args.size());
    }
    return new AggregateExpr(op, args.get(desired - 1), param, grouping, without, pos);
  }

  private static boolean isMaybeLabel(Kind k) {
    return switch (k) {
      case AVG, BOOL, BOTTOMK, BY, COUNT, COUNT_VALUES, GROUP, GROUP_LEFT, GROUP_RIGHT, FILL,
          FILL_LEFT, FILL_RIGHT, IDENTIFIER, IGNORING, LAND, LOR, LUNLESS, MAX, METRIC_IDENTIFIER,
          MIN, OFFSET, ON, QUANTILE, STDDEV, STDVAR, SUM, TOPK, START, END, ATAN2, LIMITK,
          LIMIT_RATIO, STEP, RANGE, ANCHORED, SMOOTHED, MAX_OF, MIN_OF -> true;
      default -> false;
    };
  }

  private List<String> parseGroupingLabels() {
    if (!at(Kind.LEFT_PAREN)) {
      throw unexpected("grouping opts", "\"(\"");
    }
    next();
    List<String> labels = new ArrayList<>();
    if (at(Kind.RIGHT_PAREN)) {
      next();
      return labels;
    }
    while (true) {
      Token t = peek();
      String name;
      if (isMaybeLabel(t.kind())) {
        name = t.text();
      } else if (t.kind() == Kind.STRING) {
        name = unquote(t);
      } else {
        throw unexpected("grouping opts", "label");
      }
      if (name.isEmpty() || !isValidUtf8(name)) {
        throw error(t.range(), "invalid label name for grouping: " + Token.goQuote(name));
      }
      next();
      labels.add(name);
      if (at(Kind.COMMA)) {
        next();
        if (at(Kind.RIGHT_PAREN)) {
          next();
          return labels;
        }
        continue;
      }
      if (at(Kind.RIGHT_PAREN)) {
        next();
        return labels;
      }
      throw unexpected("grouping opts", "\",\" or \")\"");
    }
  }

  private static boolean isValidUtf8(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\uFFFD') {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- type checking

  /** Prometheus's checkAST: type rules, applied after a successful parse. */
  private final class Checker {
    Expr check(Expr node) {
      return switch (node) {
        case AggregateExpr a -> {
          Expr inner = expectType(a.expr(), ValueType.VECTOR, "aggregation expression");
          Expr param = a.param();
          if (param != null && a.op().paramType() != null) {
            param = expectType(param, a.op().paramType(), "aggregation parameter");
          }
          yield new AggregateExpr(a.op(), inner, param, a.grouping(), a.without(), a.position());
        }
        case BinaryExpr b -> checkBinary(b);
        case Call c -> checkCall(c);
        case ParenExpr p -> new ParenExpr(check(p.expr()), p.position());
        case UnaryExpr u -> {
          Expr inner = check(u.expr());
          ValueType t = inner.type();
          if (t != ValueType.SCALAR && t != ValueType.VECTOR) {
            throw error(
                u.position(),
                "unary expression only allowed on expressions of type scalar or instant vector,"
                    + " got " + Token.goQuote(t.documentedName()));
          }
          yield new UnaryExpr(u.op(), inner, u.position());
        }
        case SubqueryExpr s -> {
          Expr inner = check(s.expr());
          if (inner.type() != ValueType.VECTOR) {
            throw error(
                s.position(),
                "subquery is only allowed on instant vector, got " + inner.type().wireName()
                    + " instead");
          }
          yield new SubqueryExpr(
              inner, s.rangeMs(), s.rangeExpr(), s.stepMs(), s.stepExpr(), s.offsetMs(),
              s.offsetExpr(), s.at(), s.position());
        }
        case MatrixSelector m -> {
          checkSelector(m.selector());
          yield m;
        }
        case VectorSelector v -> {
          checkSelector(v);
          yield v;
        }
        case NumberLiteral n -> n;
        case StringLiteral s -> s;
        case DurationExpr d -> d;
      };
    }

    private Expr expectType(Expr e, ValueType want, String context) {
      Expr checked = check(e);
      ValueType t = checked.type();
      if (t != want) {
        throw error(
            e.position(),
            "expected type " + want.documentedName() + " in " + context + ", got "
                + t.documentedName());
      }
      return checked;
    }

    private void checkSelector(VectorSelector v) {
      if (v.name() != null) {
        List<Matcher> ms = v.matchers();
        for (int i = 0; i < ms.size() - 1; i++) {
          if (ms.get(i).name().equals("__name__")) {
            throw error(
                v.position(),
                "metric name must not be set twice: " + Token.goQuote(v.name()) + " or "
                    + Token.goQuote(ms.get(i).value()));
          }
        }
        return;
      }
      if (!v.bypassEmptyMatcherCheck()) {
        for (Matcher m : v.matchers()) {
          if (!m.matchesEmpty()) {
            return;
          }
        }
        throw error(v.position(), "vector selector must contain at least one non-empty matcher");
      }
    }

    private PositionRange opRange(BinaryExpr b) {
      int s = b.lhs().position().end();
      while (s >= 0 && s < input.length() && Lexer.isSpace(input.charAt(s))) {
        s++;
      }
      return new PositionRange(s, Math.max(s, b.rhs().position().start()));
    }

    private Expr checkBinary(BinaryExpr b) {
      Expr lhs = check(b.lhs());
      Expr rhs = check(b.rhs());
      ValueType lt = lhs.type();
      ValueType rt = rhs.type();
      BinaryOp op = b.op();
      VectorMatching vm = b.matching();
      if (b.returnBool() && !op.isComparison()) {
        throw error(opRange(b), "bool modifier can only be used on comparison operators");
      }
      if (op.isComparison() && !b.returnBool() && rt == ValueType.SCALAR
          && lt == ValueType.SCALAR) {
        throw error(opRange(b), "comparisons between scalars must use BOOL modifier");
      }
      if (vm != null && op.isSetOperator() && vm.card() == Cardinality.ONE_TO_ONE) {
        vm = new VectorMatching(
            Cardinality.MANY_TO_MANY, vm.matchingLabels(), vm.on(), vm.include(), vm.fill());
      }
      if (vm != null && vm.on()) {
        for (String l1 : vm.matchingLabels()) {
          if (vm.include().contains(l1)) {
            throw error(
                opRange(b),
                "label " + Token.goQuote(l1) + " must not occur in ON and GROUP clause at once");
          }
        }
      }
      if (lt != ValueType.SCALAR && lt != ValueType.VECTOR) {
        throw error(
            lhs.position(), "binary expression must contain only scalar and instant vector types");
      }
      if (rt != ValueType.SCALAR && rt != ValueType.VECTOR) {
        throw error(
            rhs.position(), "binary expression must contain only scalar and instant vector types");
      }
      if ((lt != ValueType.VECTOR || rt != ValueType.VECTOR) && vm != null) {
        if (!vm.matchingLabels().isEmpty()) {
          throw error(b.position(), "vector matching only allowed between instant vectors");
        }
        if (vm.fill().lhs() != null || vm.fill().rhs() != null) {
          throw error(
              b.position(), "filling in missing series only allowed between instant vectors");
        }
        vm = null;
      } else if (vm != null && op.isSetOperator()) {
        if (vm.card() == Cardinality.ONE_TO_MANY || vm.card() == Cardinality.MANY_TO_ONE) {
          throw error(
              b.position(), "no grouping allowed for " + Token.goQuote(op.text()) + " operation");
        }
        if (vm.card() != Cardinality.MANY_TO_MANY) {
          throw error(b.position(), "set operations must always be many-to-many");
        }
        if (vm.fill().lhs() != null || vm.fill().rhs() != null) {
          throw error(b.position(), "filling in missing series not allowed for set operators");
        }
      }
      if ((lt == ValueType.SCALAR || rt == ValueType.SCALAR) && op.isSetOperator()) {
        throw error(
            b.position(),
            "set operator " + Token.goQuote(op.text()) + " not allowed in binary scalar expression");
      }
      return new BinaryExpr(op, lhs, rhs, vm, b.returnBool(), b.position());
    }

    private Expr checkCall(Call c) {
      Function f = c.function();
      List<Expr> args = new ArrayList<>(c.args());
      int nargs = f.argTypes().size();
      String q = Token.goQuote(f.name());
      if (f.variadic() == 0) {
        if (nargs != args.size()) {
          throw error(
              c.position(),
              "expected " + nargs + " argument(s) in call to " + q + ", got " + args.size());
        }
      } else {
        int na = nargs - 1;
        if (na > args.size()) {
          throw error(
              c.position(),
              "expected at least " + na + " argument(s) in call to " + q + ", got "
                  + args.size());
        } else if (f.variadic() > 0 && na + f.variadic() < args.size()) {
          throw error(
              c.position(),
              "expected at most " + (na + f.variadic()) + " argument(s) in call to " + q
                  + ", got " + args.size());
        }
      }
      if (f.name().equals("info") && args.size() > 1) {
        Expr a1 = args.get(1);
        if (a1.type() != ValueType.VECTOR) {
          throw error(
              c.position(),
              "expected type instant vector in call to function " + q + ", got "
                  + a1.type().documentedName());
        }
        if (a1 instanceof VectorSelector vs && vs.name() != null) {
          throw error(a1.position(), "expected label selectors only, got vector selector instead");
        } else if (a1 instanceof VectorSelector vs) {
          args.set(
              1,
              new VectorSelector(
                  vs.name(), vs.matchers(), vs.offsetMs(), vs.offsetExpr(), vs.at(),
                  vs.anchored(), vs.smoothed(), true, vs.position()));
        } else {
          throw error(a1.position(), "expected label selectors only");
        }
      }
      for (int i = 0; i < args.size(); i++) {
        int ti = i;
        if (i >= nargs) {
          if (f.variadic() == 0) {
            break;
          }
          ti = nargs - 1;
        }
        Expr arg = args.get(i);
        Expr checked = check(arg);
        ValueType want = f.argTypes().get(ti);
        if (checked.type() != want) {
          throw error(
              arg.position(),
              "expected type " + want.documentedName() + " in call to function " + q + ", got "
                  + checked.type().documentedName());
        }
        args.set(i, checked);
      }
      return new Call(f, args, c.position());
    }
  }

  static String labelsQuote(String s) {
    StringBuilder sb = new StringBuilder();
    Labels.quoteGo(sb, s);
    return sb.toString();
  }
}
