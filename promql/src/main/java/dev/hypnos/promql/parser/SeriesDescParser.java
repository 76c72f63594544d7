package dev.hypnos.promql.parser;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.parser.HistogramSpec.CounterResetHint;
import dev.hypnos.promql.parser.SeriesDesc.Value;
import dev.hypnos.promql.parser.Token.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the series notation of PromQL test scripts (Prometheus's {@code ParseSeriesDesc}): a
 * label set written like a selector with only {@code =} matchers, then whitespace-separated value
 * items: {@code 5}, {@code -2.5}, {@code Inf}, {@code NaN}, {@code stale}, {@code _}, {@code _xN}
 * (N empty slots), {@code AxN} (N+1 copies), {@code A+BxN} / {@code A-BxN} (N+1 values, adding B
 * step by step in float arithmetic), and native histograms {@code {{...}}}, {@code {{...}}xN},
 * {@code {{A}}+{{B}}xN}.
 *
 * <p>Example: {@code metric{a="b"} 1+1x10 _ stale 3 -2x2 1e3+0x3}.
 */
public final class SeriesDescParser {
  /** Largest accepted repetition count N in {@code AxN}; keeps a typo from filling the heap. */
  public static final long MAX_REPETITIONS = 1_000_000L;

  private final String input;

  private SeriesDescParser(String input) {
    this.input = input;
  }

  /**
   * Parses one series description.
   *
   * @throws ParseException with Prometheus-style position and message on malformed input
   */
  public static SeriesDesc parse(String input) {
    return new SeriesDescParser(input).run();
  }

  private ParseException error(int pos, String message) {
    return new ParseException(new PositionRange(pos, input.length()), message, input);
  }

  private SeriesDesc run() {
    int p = 0;
    while (p < input.length() && Lexer.isSpace(input.charAt(p))) {
      p++;
    }
    int labelStart = p;
    while (p < input.length() && isNameChar(input.charAt(p), p == labelStart)) {
      p++;
    }
    String name = input.substring(labelStart, p);
    if (p < input.length() && input.charAt(p) == '{') {
      p = endOfBraces(p);
    }
    Labels labels = parseLabels(labelStart, p, name);
    List<Value> values = parseValues(p);
    return new SeriesDesc(labels, values);
  }

  private static boolean isNameChar(char c, boolean first) {
    return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (!first && c >= '0' && c <= '9');
  }

  /** Offset just past the "}" that closes the "{" at {@code open}, skipping quoted strings. */
  private int endOfBraces(int open) {
    int p = open + 1;
    while (p < input.length()) {
      char c = input.charAt(p);
      if (c == '}') {
        return p + 1;
      }
      if (c == '"' || c == '\'') {
        p++;
        while (p < input.length() && input.charAt(p) != c) {
          if (input.charAt(p) == '\\') {
            p++;
          }
          p++;
        }
      } else if (c == '`') {
        p++;
        while (p < input.length() && input.charAt(p) != '`') {
          p++;
        }
      }
      p++;
    }
    throw error(open, "unexpected end of input inside braces");
  }

  private Labels parseLabels(int start, int end, String name) {
    Map<String, String> m = new LinkedHashMap<>();
    String text = input.substring(start, end);
    List<Token> toks = Lexer.lex(text);
    Parser helper = new Parser(text, ParserOptions.ALL);
    int i = 0;
    if (!name.isEmpty()) {
      i++;
    }
    Token t = toks.get(i);
    if (t.kind() == Kind.ERROR) {
      throw error(start + t.pos(), t.text());
    }
    if (t.kind() == Kind.LEFT_BRACE) {
      i++;
      while (true) {
        t = toks.get(i);
        if (t.kind() == Kind.ERROR) {
          throw error(start + t.pos(), t.text());
        }
        if (t.kind() == Kind.RIGHT_BRACE) {
          break;
        }
        if (t.kind() != Kind.IDENTIFIER && t.kind() != Kind.STRING) {
          throw unexpected(start, t, "label set", "identifier or \"}\"");
        }
        String lname = t.kind() == Kind.STRING ? helper.unquote(t) : t.text();
        i++;
        Token eq = toks.get(i);
        if (eq.kind() == Kind.EQL) {
          i++;
          Token v = toks.get(i);
          if (v.kind() != Kind.STRING) {
            throw unexpected(start, v, "label set", "string");
          }
          m.put(lname, helper.unquote(v));
          i++;
        } else if (t.kind() == Kind.STRING) {
          m.put("__name__", lname);
        } else {
          throw unexpected(start, eq, "label set", "\"=\"");
        }
        Token sep = toks.get(i);
        if (sep.kind() == Kind.COMMA) {
          i++;
        } else if (sep.kind() != Kind.RIGHT_BRACE) {
          throw unexpected(start, sep, "label set", "\",\" or \"}\"");
        }
      }
    }
    if (!name.isEmpty()) {
      m.put("__name__", name);
    }
    return Labels.fromMap(m);
  }

  private ParseException unexpected(int base, Token t, String context, String expected) {
    if (t.kind() == Kind.ERROR) {
      return error(base + t.pos(), t.text());
    }
    return error(
        base + t.pos(), "unexpected " + t.describe() + " in " + context + ", expected " + expected);
  }

  private List<Value> parseValues(int from) {
    List<Value> out = new ArrayList<>();
    int p = from;
    while (true) {
      while (p < input.length() && Lexer.isSpace(input.charAt(p))) {
        p++;
      }
      if (p >= input.length()) {
        return out;
      }
      if (p == from) {
        throw error(p, "unexpected character in series values: "
            + Lexer.quoteRune(input.codePointAt(p)));
      }
      int start = p;
      if (input.startsWith("{{", p)) {
        p = histogramItem(p, out);
      } else {
        while (p < input.length() && !Lexer.isSpace(input.charAt(p))) {
          p++;
        }
        floatItem(start, input.substring(start, p), out);
      }
    }
  }

  private void floatItem(int pos, String item, List<Value> out) {
    if (item.equals("_")) {
      out.add(Value.OMITTED);
      return;
    }
    if (item.startsWith("_x")) {
      long n = repetitions(pos, item.substring(2));
      for (long i = 0; i < n; i++) {
        out.add(Value.OMITTED);
      }
      return;
    }
    int x = item.lastIndexOf('x');
    String head = x < 0 ? item : item.substring(0, x);
    long times = x < 0 ? -1 : repetitions(pos, item.substring(x + 1));
    int split = -1;
    for (int i = 1; i < head.length(); i++) {
      char c = head.charAt(i);
      char prev = head.charAt(i - 1);
      if ((c == '+' || c == '-') && prev != 'e' && prev != 'E') {
        split = i;
        break;
      }
    }
    if (split >= 0 && times < 0) {
      throw error(pos, "unexpected end of input in series values, expected \"x\"");
    }
    double base = value(pos, split < 0 ? head : head.substring(0, split));
    if (times < 0) {
      out.add(Double.doubleToRawLongBits(base) == SeriesDesc.STALE_NAN_BITS
          ? Value.stale()
          : Value.of(base));
      return;
    }
    double inc = split < 0 ? 0 : signedNumber(pos, head.substring(split));
    double v = base;
    for (long i = 0; i <= times; i++) {
      out.add(Double.doubleToRawLongBits(v) == SeriesDesc.STALE_NAN_BITS
          ? Value.stale()
          : Value.of(v));
      v += inc;
    }
  }

  private long repetitions(int pos, String s) {
    if (s.isEmpty() || !s.chars().allMatch(Lexer::isDigit)) {
      throw error(pos, "invalid repetition in series values: " + Token.goQuote(s));
    }
    try {
      long n = Long.parseLong(s);
      if (n > MAX_REPETITIONS) {
        throw error(
            pos,
            "invalid repetition in series values: " + s + " is more than " + MAX_REPETITIONS);
      }
      return n;
    } catch (NumberFormatException e) {
      throw error(pos, "invalid repetition in series values: strconv.ParseUint: parsing "
          + Token.goQuote(s) + ": value out of range");
    }
  }

  private double value(int pos, String s) {
    if (s.equals("stale")) {
      return Double.longBitsToDouble(SeriesDesc.STALE_NAN_BITS);
    }
    if (s.startsWith("+") || s.startsWith("-")) {
      return signedNumber(pos, s);
    }
    return number(pos, s);
  }

  private double signedNumber(int pos, String s) {
    if (s.length() < 2 || (s.charAt(0) != '+' && s.charAt(0) != '-')) {
      throw error(pos, "bad number syntax: " + Token.goQuote(s));
    }
    double n = number(pos, s.substring(1));
    return s.charAt(0) == '-' ? -n : n;
  }

  private double number(int pos, String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.equals("inf")) {
      return Double.POSITIVE_INFINITY;
    }
    if (lower.equals("nan")) {
      return Double.NaN;
    }
    if (s.isEmpty() || !validDecimal(s)) {
      throw error(pos, "bad number syntax: " + Token.goQuote(s));
    }
    String t = s.replace("_", "");
    try {
      if (t.length() > 1 && t.charAt(0) == '0' && t.chars().allMatch(Lexer::isDigit)) {
        return Long.parseLong(t.substring(1), 8);
      }
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      // fall through to float
    }
    try {
      return Double.parseDouble(t);
    } catch (NumberFormatException e) {
      throw error(pos, "bad number syntax: " + Token.goQuote(s));
    }
  }

  private static boolean validDecimal(String s) {
    boolean digit = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Lexer.isDigit(c)) {
        digit = true;
      } else if (c == '.' || c == '_') {
        // allowed
      } else if ((c == 'e' || c == 'E') && digit && i + 1 < s.length()) {
        if (s.charAt(i + 1) == '+' || s.charAt(i + 1) == '-') {
          i++;
        }
      } else {
        return false;
      }
    }
    return digit;
  }

  // ---------------------------------------------------------------- histograms

  private int histogramItem(int p, List<Value> out) {
    int[] end = {0};
    HistogramSpec h = histogram(p, end);
    int q = end[0];
    if (q < input.length() && input.charAt(q) == 'x') {
      int s = q + 1;
      int e = s;
      while (e < input.length() && !Lexer.isSpace(input.charAt(e))) {
        e++;
      }
      long n = repetitions(q, input.substring(s, e));
      for (long i = 0; i <= n; i++) {
        out.add(Value.of(h));
      }
      return e;
    }
    if (q < input.length() && (input.charAt(q) == '+' || input.charAt(q) == '-')) {
      int sign = input.charAt(q) == '-' ? -1 : 1;
      if (!input.startsWith("{{", q + 1)) {
        throw error(q, "unexpected character in series values: "
            + Lexer.quoteRune(input.codePointAt(q + 1 < input.length() ? q + 1 : q)));
      }
      int[] end2 = {0};
      HistogramSpec inc = histogram(q + 1, end2);
      int r = end2[0];
      if (r >= input.length() || input.charAt(r) != 'x') {
        throw error(r, "unexpected end of histogram increment, expected \"x\"");
      }
      int s = r + 1;
      int e = s;
      while (e < input.length() && !Lexer.isSpace(input.charAt(e))) {
        e++;
      }
      long n = repetitions(r, input.substring(s, e));
      HistogramSpec cur = h;
      out.add(Value.of(cur));
      for (long i = 1; i <= n; i++) {
        try {
          cur = cur.combine(inc, sign);
        } catch (IllegalArgumentException ex) {
          throw error(p, ex.getMessage());
        }
        out.add(Value.of(cur));
      }
      return e;
    }
    if (q < input.length() && !Lexer.isSpace(input.charAt(q))) {
      throw error(q, "unexpected character in series values: "
          + Lexer.quoteRune(input.codePointAt(q)));
    }
    out.add(Value.of(h));
    return q;
  }

  /** Parses {{...}} starting at {@code p}; end[0] is set past the closing braces. */
  private HistogramSpec histogram(int p, int[] end) {
    int close = input.indexOf("}}", p + 2);
    if (close < 0) {
      throw error(p, "histogram description incomplete unexpected: end of input");
    }
    String body = input.substring(p + 2, close);
    end[0] = close + 2;
    Map<String, Object> desc = new LinkedHashMap<>();
    int i = 0;
    while (true) {
      while (i < body.length() && Lexer.isSpace(body.charAt(i))) {
        i++;
      }
      if (i >= body.length()) {
        break;
      }
      int ks = i;
      while (i < body.length() && Lexer.isAlpha(body.charAt(i))) {
        i++;
      }
      String key = body.substring(ks, i).toLowerCase(Locale.ROOT);
      if (i >= body.length() || body.charAt(i) != ':') {
        throw error(p + 2 + ks, "bad histogram descriptor found: " + Token.goQuote(key));
      }
      i++;
      Object value;
      if (i < body.length() && body.charAt(i) == '[') {
        int cl = body.indexOf(']', i);
        if (cl < 0) {
          throw error(p + 2 + i, "unclosed bucket list in histogram description");
        }
        List<Double> list = new ArrayList<>();
        for (String part : body.substring(i + 1, cl).trim().split("\\s+")) {
          if (!part.isEmpty()) {
            list.add(value(p + 2 + i, part));
          }
        }
        value = list;
        i = cl + 1;
      } else {
        int vs = i;
        while (i < body.length() && !Lexer.isSpace(body.charAt(i))) {
          i++;
        }
        value = body.substring(vs, i);
      }
      if (desc.put(key, value) != null) {
        throw error(p, "duplicate key " + Token.goQuote(key) + " in histogram");
      }
    }
    int schema = 0;
    double sum = 0;
    double count = 0;
    double zc = 0;
    double zt = 0;
    int off = 0;
    int noff = 0;
    List<Double> buckets = List.of();
    List<Double> nbuckets = List.of();
    List<Double> custom = List.of();
    CounterResetHint hint = CounterResetHint.UNKNOWN;
    boolean hintSet = false;
    for (Map.Entry<String, Object> e : desc.entrySet()) {
      String k = e.getKey();
      Object v = e.getValue();
      switch (k) {
        case "schema" -> schema = (int) intValue(p, k, v);
        case "sum" -> sum = floatValue(p, k, v);
        case "count" -> count = floatValue(p, k, v);
        case "z_bucket" -> zc = floatValue(p, k, v);
        case "z_bucket_w" -> zt = floatValue(p, k, v);
        case "offset" -> off = (int) intValue(p, k, v);
        case "n_offset" -> noff = (int) intValue(p, k, v);
        case "buckets" -> buckets = listValue(p, k, v);
        case "n_buckets" -> nbuckets = listValue(p, k, v);
        case "custom_values" -> custom = listValue(p, k, v);
        case "counter_reset_hint" -> {
          hintSet = true;
          hint = switch (String.valueOf(v).toLowerCase(Locale.ROOT)) {
            case "unknown" -> CounterResetHint.UNKNOWN;
            case "reset" -> CounterResetHint.RESET;
            case "not_reset" -> CounterResetHint.NOT_RESET;
            case "gauge" -> CounterResetHint.GAUGE;
            default -> throw error(p, "error parsing counter_reset_hint: unknown value " + v);
          };
        }
        default -> throw error(p, "bad histogram descriptor found: " + Token.goQuote(k));
      }
    }
    return new HistogramSpec(
        schema, sum, count, zc, zt, buckets.isEmpty() ? 0 : off, buckets,
        nbuckets.isEmpty() ? 0 : noff, nbuckets, custom, hint, hintSet);
  }

  private long intValue(int p, String key, Object v) {
    if (v instanceof String s) {
      String t = s.startsWith("+") ? s.substring(1) : s;
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw error(p, "error parsing " + key + " number: " + v);
  }

  private double floatValue(int p, String key, Object v) {
    if (v instanceof String s) {
      return value(p, s);
    }
    throw error(p, "error parsing " + key + " number: " + v);
  }

  @SuppressWarnings("unchecked")
  private List<Double> listValue(int p, String key, Object v) {
    if (v instanceof List<?> l) {
      return (List<Double>) l;
    }
    throw error(p, "error parsing " + key + " float array: " + v);
  }
}
