package dev.hypnos.promql.testscript;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.parser.HistogramSpec;
import dev.hypnos.promql.parser.ParseException;
import dev.hypnos.promql.parser.SeriesDesc;
import dev.hypnos.promql.parser.SeriesDescParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses series lines ({@code name{a="b"} 1+2x3 _ stale}) and value items of the test-script
 * format. Label values are PromQL string literals with Go escapes.
 */
public final class SeriesLineParser {
  private final String in;
  private final int line;
  private int pos;

  private SeriesLineParser(String in, int line) {
    this.in = in;
    this.line = line;
  }

  /** Parses a whole series line. */
  public static SeriesLine parse(String text, int line) {
    return new SeriesLineParser(text.trim(), line).parseLine();
  }

  /** Parses a bare number as the script format allows (ints with base prefix, floats, Inf, NaN). */
  public static double parseNumber(String s) {
    String t = s.trim();
    if (t.isEmpty()) {
      throw new NumberFormatException("empty");
    }
    String lower = t.toLowerCase(java.util.Locale.ROOT);
    String unsigned = lower.startsWith("+") || lower.startsWith("-") ? lower.substring(1) : lower;
    boolean neg = lower.startsWith("-");
    if (unsigned.equals("inf") || unsigned.equals("infinity")) {
      return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (unsigned.equals("nan")) {
      return Double.NaN;
    }
    String u = unsigned;
    if (u.startsWith("0x")) {
      if (u.contains("p")) {
        double d = Double.parseDouble(u);
        return neg ? -d : d;
      }
      long v = Long.parseLong(u.substring(2).replace("_", ""), 16);
      return neg ? -v : v;
    }
    if (u.startsWith("0o") || u.startsWith("0b")) {
      long v = Long.parseLong(u.substring(2).replace("_", ""), u.charAt(1) == 'o' ? 8 : 2);
      return neg ? -v : v;
    }
    if (u.length() > 1 && u.charAt(0) == '0' && u.chars().allMatch(c -> c >= '0' && c <= '7')) {
      long v = Long.parseLong(u.substring(1), 8);
      return neg ? -v : v;
    }
    for (int i = 0; i < u.length(); i++) {
      char c = u.charAt(i);
      if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == '+' || c == '-' || c == '_')) {
        throw new NumberFormatException("not a number: " + s);
      }
    }
    return Double.parseDouble(t.replace("_", ""));
  }

  private SeriesLine parseLine() {
    Labels labels = parseLabels();
    String rest = in.substring(pos).trim();
    List<Double> vals = new ArrayList<>();
    List<Boolean> pres = new ArrayList<>();
    int i = 0;
    while (i < rest.length()) {
      char c = rest.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      int start = i;
      if (rest.startsWith("{{", i)) {
        return parseWithHistograms(labels);
      }
      while (i < rest.length() && !Character.isWhitespace(rest.charAt(i))) {
        i++;
      }
      parseItem(rest.substring(start, i), vals, pres);
    }
    double[] v = new double[vals.size()];
    boolean[] p = new boolean[vals.size()];
    for (int k = 0; k < v.length; k++) {
      v[k] = vals.get(k);
      p[k] = pres.get(k);
    }
    return new SeriesLine(labels, v, p);
  }

  /** A line holding native histograms, read with the series-description parser of the parser package. */
  private SeriesLine parseWithHistograms(Labels labels) {
    SeriesDesc desc;
    try {
      desc = SeriesDescParser.parse(in);
    } catch (ParseException e) {
      throw new ScriptException(line, "parse series " + in + ": " + e.getMessage());
    }
    int n = desc.values().size();
    double[] v = new double[n];
    boolean[] p = new boolean[n];
    FloatHistogram[] h = new FloatHistogram[n];
    boolean[] hint = new boolean[n];
    for (int k = 0; k < n; k++) {
      SeriesDesc.Value x = desc.values().get(k);
      if (x.omitted()) {
        continue;
      }
      p[k] = true;
      HistogramSpec spec = x.histogram();
      if (spec == null) {
        v[k] = x.value();
        continue;
      }
      try {
        h[k] = toHistogram(spec);
      } catch (IllegalArgumentException e) {
        throw new ScriptException(line, "native histogram in " + in + ": " + e.getMessage());
      }
      hint[k] = spec.counterResetHintSet();
    }
    return new SeriesLine(labels, v, p, true, h, hint);
  }

  static FloatHistogram toHistogram(HistogramSpec s) {
    double[] pos = unbox(s.positiveBuckets());
    FloatHistogram h;
    if (s.schema() == HistogramSpec.CUSTOM_BUCKETS_SCHEMA) {
      double[] counts = new double[s.positiveOffset() + pos.length];
      System.arraycopy(pos, 0, counts, s.positiveOffset(), pos.length);
      h = FloatHistogram.customBuckets(unbox(s.customValues()), counts, s.count(), s.sum());
    } else {
      h = FloatHistogram.exponential(s.schema(), s.zeroThreshold(), s.zeroCount(), s.count(), s.sum(),
          s.positiveOffset(), pos, s.negativeOffset(), unbox(s.negativeBuckets()));
    }
    return h.withCounterResetHint(switch (s.counterResetHint()) {
      case UNKNOWN -> FloatHistogram.CounterResetHint.UNKNOWN;
      case RESET -> FloatHistogram.CounterResetHint.COUNTER_RESET;
      case NOT_RESET -> FloatHistogram.CounterResetHint.NOT_COUNTER_RESET;
      case GAUGE -> FloatHistogram.CounterResetHint.GAUGE;
    });
  }

  private static double[] unbox(List<Double> l) {
    double[] a = new double[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }

  private int skipHistogram(String s, int from) {
    int end = s.indexOf("}}", from + 2);
    if (end < 0) {
      throw new ScriptException(line, "unterminated native histogram in " + in);
    }
    return end + 2;
  }

  private void parseItem(String item, List<Double> vals, List<Boolean> pres) {
    if (item.equals("_")) {
      vals.add(0.0);
      pres.add(false);
      return;
    }
    if (item.startsWith("_x")) {
      int n = Integer.parseInt(item.substring(2));
      for (int k = 0; k < n; k++) {
        vals.add(0.0);
        pres.add(false);
      }
      return;
    }
    if (item.equals("stale")) {
      vals.add(Values.STALE_NAN);
      pres.add(true);
      return;
    }
    int x = item.lastIndexOf('x');
    boolean repetition = x > 0 && x + 1 < item.length() && item.substring(x + 1).chars().allMatch(Character::isDigit);
    if (!repetition) {
      try {
        vals.add(parseNumber(item));
        pres.add(true);
        return;
      } catch (NumberFormatException e) {
        throw new ScriptException(line, "bad value item " + item + " in " + in);
      }
    }
    if (x <= 0) {
      throw new ScriptException(line, "bad value item " + item + " in " + in);
    }
    int n;
    try {
      n = Integer.parseInt(item.substring(x + 1));
    } catch (NumberFormatException e) {
      throw new ScriptException(line, "bad repetition count in " + item);
    }
    String base = item.substring(0, x);
    try {
      double a = parseNumber(base);
      for (int k = 0; k <= n; k++) {
        vals.add(a);
        pres.add(true);
      }
      return;
    } catch (NumberFormatException e) {
      // A+B or A-B
    }
    for (int k = 1; k < base.length(); k++) {
      char c = base.charAt(k);
      if ((c == '+' || c == '-') && Character.toLowerCase(base.charAt(k - 1)) != 'e') {
        try {
          double a = parseNumber(base.substring(0, k));
          double b = parseNumber(base.substring(k + 1));
          if (c == '-') {
            b = -b;
          }
          double cur = a;
          for (int r = 0; r <= n; r++) {
            vals.add(cur);
            pres.add(true);
            cur += b;
          }
          return;
        } catch (NumberFormatException e) {
          // try the next split
        }
      }
    }
    throw new ScriptException(line, "bad value item " + item + " in " + in);
  }

  private Labels parseLabels() {
    Map<String, String> map = new LinkedHashMap<>();
    skipSpace();
    if (pos < in.length() && in.charAt(pos) != '{') {
      int s = pos;
      while (pos < in.length() && isNameChar(in.charAt(pos), pos == s)) {
        pos++;
      }
      if (pos == s) {
        throw new ScriptException(line, "expected metric name or '{' in " + in);
      }
      map.put("__name__", in.substring(s, pos));
    }
    if (pos < in.length() && in.charAt(pos) == '{') {
      pos++;
      while (true) {
        skipSpace();
        if (pos >= in.length()) {
          throw new ScriptException(line, "unterminated label set in " + in);
        }
        char c = in.charAt(pos);
        if (c == '}') {
          pos++;
          break;
        }
        String name;
        if (c == '"' || c == '\'' || c == '`') {
          name = parseString();
        } else {
          int s = pos;
          while (pos < in.length() && isNameChar(in.charAt(pos), pos == s)) {
            pos++;
          }
          if (s == pos) {
            throw new ScriptException(line, "unexpected character '" + c + "' in label set of " + in);
          }
          name = in.substring(s, pos);
        }
        skipSpace();
        if (pos < in.length() && in.charAt(pos) == '=') {
          pos++;
          skipSpace();
          map.put(name, parseString());
        } else {
          map.put("__name__", name);
        }
        skipSpace();
        if (pos < in.length() && in.charAt(pos) == ',') {
          pos++;
        }
      }
    }
    List<Label> list = new ArrayList<>();
    map.forEach((k, v) -> list.add(new Label(k, v)));
    return Labels.fromUnsorted(list);
  }

  private static boolean isNameChar(char c, boolean first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
  }

  private void skipSpace() {
    while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
      pos++;
    }
  }

  private String parseString() {
    if (pos >= in.length()) {
      throw new ScriptException(line, "expected string in " + in);
    }
    char q = in.charAt(pos);
    int end = pos + 1;
    if (q == '`') {
      end = in.indexOf('`', pos + 1);
      if (end < 0) {
        throw new ScriptException(line, "unterminated raw string in " + in);
      }
      String s = in.substring(pos + 1, end);
      pos = end + 1;
      return s;
    }
    if (q != '"' && q != '\'') {
      throw new ScriptException(line, "expected quoted string in " + in);
    }
    while (end < in.length() && in.charAt(end) != q) {
      if (in.charAt(end) == '\\') {
        end++;
      }
      end++;
    }
    if (end >= in.length()) {
      throw new ScriptException(line, "unterminated string in " + in);
    }
    String s = unquote(in.substring(pos + 1, end), line);
    pos = end + 1;
    return s;
  }

  /** Resolves Go escapes in the body of a quoted string. */
  public static String unquote(String body, int line) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != '\\') {
        int cp = body.codePointAt(i);
        out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(cp) - 1;
        continue;
      }
      if (++i >= body.length()) {
        throw new ScriptException(line, "bad escape at end of string");
      }
      char e = body.charAt(i);
      switch (e) {
        case 'a' -> out.write(7);
        case 'b' -> out.write(8);
        case 'f' -> out.write(12);
        case 'n' -> out.write('\n');
        case 'r' -> out.write('\r');
        case 't' -> out.write('\t');
        case 'v' -> out.write(11);
        case '\\', '\'', '"' -> out.write(e);
        case 'x' -> {
          out.write(Integer.parseInt(body.substring(i + 1, i + 3), 16));
          i += 2;
        }
        case 'u', 'U' -> {
          int len = e == 'u' ? 4 : 8;
          int cp = Integer.parseInt(body.substring(i + 1, i + 1 + len), 16);
          out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
          i += len;
        }
        default -> {
          if (e >= '0' && e <= '7') {
            out.write(Integer.parseInt(body.substring(i, i + 3), 8));
            i += 2;
          } else {
            throw new ScriptException(line, "unknown escape \\" + e);
          }
        }
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
