package dev.hypnos.querier.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.engine.FPoint;
import dev.hypnos.promql.engine.GoFloat;
import dev.hypnos.promql.engine.Matrix;
import dev.hypnos.promql.engine.RangeSeries;
import dev.hypnos.promql.engine.Sample;
import dev.hypnos.promql.engine.Scalar;
import dev.hypnos.promql.engine.StringValue;
import dev.hypnos.promql.engine.Value;
import dev.hypnos.promql.engine.Vector;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.List;

/**
 * JSON exactly as Prometheus writes it (jsoniter with its standard-library-compatible settings):
 * no spaces, keys in Prometheus's order, strings escaped as Go does ({@code <>&} as
 * backslash-u escapes, control characters other than newline, return and tab as lowercase hex
 * backslash-u escapes, U+2028
 * and U+2029 escaped), sample values as strings ({@code "NaN"}, {@code "+Inf"}), timestamps as
 * seconds with up to three decimals.
 */
public final class PromJson {
  private PromJson() {}

  private static final JsonFactory FACTORY = new JsonFactory().setCharacterEscapes(new GoEscapes());

  /** A generator writing UTF-8 to {@code out} with Go's string escapes; the caller closes it. */
  public static JsonGenerator generator(OutputStream out) throws IOException {
    JsonGenerator g = FACTORY.createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    return g;
  }

  /** Go's {@code encoding/json} string escapes (with HTML escaping), with lowercase hex. */
  private static final class GoEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii;

    GoEscapes() {
      int[] e = CharacterEscapes.standardAsciiEscapesForJSON();
      for (int c = 0; c < 0x20; c++) {
        // Jackson's table already holds the short forms for newline, return and tab.
        if (c != '\n' && c != '\r' && c != '\t') {
          e[c] = CharacterEscapes.ESCAPE_CUSTOM;
        }
      }
      e['<'] = CharacterEscapes.ESCAPE_CUSTOM;
      e['>'] = CharacterEscapes.ESCAPE_CUSTOM;
      e['&'] = CharacterEscapes.ESCAPE_CUSTOM;
      ascii = e;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      if (ch < 0x80 || ch == 0x2028 || ch == 0x2029) {
        return new SerializedString(String.format("\\u%04x", ch));
      }
      return null;
    }
  }

  // ------------------------------------------------------------ numbers

  /**
   * A sample value as Prometheus's API writes it: Go {@code strconv.FormatFloat(v, 'f', -1, 64)},
   * switching to {@code 'e'} below 1e-6 and from 1e21 on (absolute value); {@code NaN}, {@code
   * +Inf}, {@code -Inf}.
   */
  public static String sampleValue(double v) {
    double abs = Math.abs(v);
    if (abs != 0 && !Double.isNaN(v) && !Double.isInfinite(v) && (abs < 1e-6 || abs >= 1e21)) {
      return formatE(v);
    }
    return formatF(v);
  }

  /** Go {@code strconv.FormatFloat(v, 'f', -1, 64)}: shortest digits, never an exponent. */
  public static String formatF(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return 1 / v < 0 ? "-0" : "0";
    }
    return GoFloat.shortest(v).toPlainString();
  }

  /** Go {@code strconv.FormatFloat(v, 'e', -1, 64)}: {@code 1e-07}, {@code -1.5e+21}. */
  public static String formatE(double v) {
    BigDecimal d = GoFloat.shortest(Math.abs(v));
    String digits = d.unscaledValue().toString();
    int exp = digits.length() - 1 - d.scale();
    StringBuilder sb = new StringBuilder();
    if (v < 0) {
      sb.append('-');
    }
    sb.append(digits.charAt(0));
    if (digits.length() > 1) {
      sb.append('.').append(digits, 1, digits.length());
    }
    sb.append('e').append(exp < 0 ? '-' : '+');
    int ae = Math.abs(exp);
    if (ae < 10) {
      sb.append('0');
    }
    return sb.append(ae).toString();
  }

  /** Go {@code encoding/json} for a float64 (used for scalar and string timestamps). */
  public static String goJsonFloat(double v) {
    double abs = Math.abs(v);
    if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
      // encoding/json trims "e-07" to "e-7".
      String s = formatE(v);
      int e = s.indexOf('e');
      if (s.length() - e == 4 && s.charAt(e + 2) == '0') {
        s = s.substring(0, e + 2) + s.substring(e + 3);
      }
      return s;
    }
    return formatF(v);
  }

  /** A point timestamp as Prometheus's {@code MarshalTimestamp}: {@code 1.5} seconds is {@code 1.500}. */
  public static String timestamp(long ms) {
    StringBuilder sb = new StringBuilder(24);
    if (ms < 0) {
      sb.append('-');
      ms = -ms;
    }
    sb.append(ms / 1000);
    long frac = ms % 1000;
    if (frac != 0) {
      sb.append('.');
      if (frac < 100) {
        sb.append('0');
      }
      if (frac < 10) {
        sb.append('0');
      }
      sb.append(frac);
    }
    return sb.toString();
  }

  // ------------------------------------------------------------ values

  public static void writeLabels(JsonGenerator g, Labels labels) throws IOException {
    g.writeStartObject();
    for (int i = 0; i < labels.size(); i++) {
      g.writeStringField(labels.name(i), labels.value(i));
    }
    g.writeEndObject();
  }

  /**
   * Builds {@code [t,"v"]} points as ASCII bytes and hands them to the generator as raw JSON, in
   * slices that fit its buffer: no string per number, no generator context per point and no
   * char-to-UTF-8 pass (a range query writes ~25 bytes per point, and formatting them was most of
   * the querier's CPU time for small queries).
   */
  static final class PointWriter {
    private static final int SLICE = 4096;
    /** "00", "01", ..., "99" as ASCII. */
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
      for (int i = 0; i < 100; i++) {
        DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
        DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
      }
    }

    private byte[] buf = new byte[512];
    private int len;
    private final StringBuilder num = new StringBuilder(32);
    private final StringBuilder scratch = new StringBuilder(32);
    private final RawSlice slice = new RawSlice();

    /** Timestamps written at each point index of the previous series, as bytes (24 per index). */
    private long[] cachedT = new long[0];
    private byte[] cachedBytes = new byte[0];
    private byte[] cachedLen = new byte[0];

    void point(long t, double v) {
      point(-1, t, v);
    }

    /** Point indexes whose formatted timestamps are kept (a query has at most 11,000; later ones are formatted each time). */
    private static final int CACHED_STEPS = 4096;

    /**
     * A point that is the {@code index}th of its series: a range query's series share their step
     * timestamps, so the one written at the same index of the series before is copied.
     */
    void point(int index, long t, double v) {
      ensure(64);
      buf[len++] = '[';
      if (index < 0 || index >= CACHED_STEPS) {
        timestamp(t);
      } else {
        if (index >= cachedT.length) {
          int n = Math.min(CACHED_STEPS, Math.max(index + 1, cachedT.length * 2));
          long[] nt = java.util.Arrays.copyOf(cachedT, n);
          java.util.Arrays.fill(nt, cachedT.length, n, Long.MIN_VALUE);
          cachedT = nt;
          cachedBytes = java.util.Arrays.copyOf(cachedBytes, n * 24);
          cachedLen = java.util.Arrays.copyOf(cachedLen, n);
        }
        if (cachedT[index] == t) {
          int n = cachedLen[index];
          System.arraycopy(cachedBytes, index * 24, buf, len, n);
          len += n;
        } else {
          int from = len;
          timestamp(t);
          cachedT[index] = t;
          cachedLen[index] = (byte) (len - from);
          System.arraycopy(buf, from, cachedBytes, index * 24, len - from);
        }
      }
      buf[len++] = ',';
      buf[len++] = '"';
      value(v);
      ensure(2);
      buf[len++] = '"';
      buf[len++] = ']';
    }

    void comma() {
      ensure(1);
      buf[len++] = ',';
    }

    void open() {
      ensure(1);
      buf[len++] = '[';
    }

    void close() {
      ensure(1);
      buf[len++] = ']';
    }

    /** Writes what was built as one raw JSON value (in slices) and starts over. */
    void flush(JsonGenerator g) throws IOException {
      for (int off = 0; off < len; off += SLICE) {
        slice.set(buf, off, Math.min(SLICE, len - off));
        if (off == 0) {
          g.writeRawValue(slice);
        } else {
          g.writeRaw(slice);
        }
      }
      len = 0;
    }

    private void ensure(int n) {
      if (len + n > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(len + n, buf.length * 2));
      }
    }

    private void timestamp(long ms) {
      if (ms < 0) {
        buf[len++] = '-';
        ms = -ms;
      }
      digits(ms / 1000);
      int frac = (int) (ms % 1000);
      if (frac != 0) {
        buf[len++] = '.';
        buf[len++] = (byte) ('0' + frac / 100);
        buf[len++] = (byte) ('0' + frac / 10 % 10);
        buf[len++] = (byte) ('0' + frac % 10);
      }
    }

    /**
     * Writes {@code v} when it is a decimal with at most {@code places} fraction digits, {@code
     * |v| < limit}: then {@code rint(v * scale) / scale == v} holds exactly, and since the doubles
     * near {@code v} are closer together than {@code 1 / scale}, no other decimal with that many
     * places maps to {@code v}, so these digits (trailing zeros dropped) are Go's shortest ones.
     */
    private boolean fewDecimals(double v, double scale, double limit, int places) {
      double a = Math.abs(v);
      if (!(a < limit) || a < 1e-6) {
        return false;
      }
      double r = Math.rint(a * scale);
      if (r / scale != a) {
        return false;
      }
      long x = (long) r;
      long unit = (long) scale;
      long whole = x / unit;
      long frac = x - whole * unit;
      ensure(places + 22);
      if (v < 0) {
        buf[len++] = '-';
      }
      digits(whole);
      if (frac != 0) {
        int drop = 0;
        while (frac % 10 == 0) {
          frac /= 10;
          drop++;
        }
        buf[len++] = '.';
        int n = places - drop;
        fill((int) frac, len + n, len);
        len += n;
      }
      return true;
    }

    /** Writes a non-negative long's decimal digits (at most 19; the caller ensured the room). */
    private void digits(long x) {
      if (x <= Integer.MAX_VALUE) {
        digits((int) x);
        return;
      }
      long hi = x / 1_000_000_000L;
      digits(hi);
      // the low nine digits, zero-padded
      int lo = (int) (x - hi * 1_000_000_000L);
      int end = len + 9;
      fill(lo, end, len);
      len = end;
    }

    private void digits(int x) {
      int n = x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10_000 ? 4 : x < 100_000 ? 5 : x < 1_000_000 ? 6
          : x < 10_000_000 ? 7 : x < 100_000_000 ? 8 : x < 1_000_000_000 ? 9 : 10;
      int end = len + n;
      fill(x, end, len);
      len = end;
    }

    /** Writes {@code x}'s digits right-aligned in {@code buf[from, end)}, zero-padded on the left. */
    private void fill(int x, int end, int from) {
      int k = end;
      while (x >= 100) {
        int q = x / 100;
        int r = (x - q * 100) * 2;
        buf[--k] = DIGIT_PAIRS[r + 1];
        buf[--k] = DIGIT_PAIRS[r];
        x = q;
      }
      if (x >= 10) {
        buf[--k] = DIGIT_PAIRS[x * 2 + 1];
        buf[--k] = DIGIT_PAIRS[x * 2];
      } else {
        buf[--k] = (byte) ('0' + x);
      }
      while (k > from) {
        buf[--k] = '0';
      }
    }

    private void value(double v) {
      if (v == Math.rint(v) && Math.abs(v) < 0x1p53 && (v != 0 || 1 / v > 0)) {
        long x = (long) v;
        if (x < 0) {
          buf[len++] = '-';
          x = -x;
        }
        digits(x);
        return;
      }
      if (fewDecimals(v, 1e3, 1e12, 3) || fewDecimals(v, 1e6, 1e9, 6)) {
        return;
      }
      double a = Math.abs(v);
      if (a >= 1e-6 && a < 1e21) {
        // Go's 'f' form: shortest digits written as bytes, no strings
        ensure(GoFloat.MAX_F_BYTES_BELOW_1E21);
        len = GoFloat.writeF(buf, len, v);
        return;
      }
      // 'e' form (and -0, NaN, ±Inf)
      num.setLength(0);
      appendSampleValue(num, v, scratch);
      int n = num.length();
      ensure(n);
      for (int k = 0; k < n; k++) {
        buf[len++] = (byte) num.charAt(k);
      }
    }
  }

  /** A slice of ASCII bytes that Jackson copies into its buffer as raw JSON. */
  private static final class RawSlice implements SerializableString {
    private byte[] bytes = new byte[0];
    private int off;
    private int len;

    void set(byte[] b, int o, int n) {
      bytes = b;
      off = o;
      len = n;
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
      if (buffer.length - offset < len) {
        return -1;
      }
      System.arraycopy(bytes, off, buffer, offset, len);
      return len;
    }

    @Override
    public byte[] asUnquotedUTF8() {
      return java.util.Arrays.copyOfRange(bytes, off, off + len);
    }

    @Override
    public String getValue() {
      return new String(bytes, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Override
    public int charLength() {
      return len;
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
      if (buffer.length - offset < len) {
        return -1;
      }
      for (int k = 0; k < len; k++) {
        buffer[offset + k] = (char) (bytes[off + k] & 0xff);
      }
      return len;
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
      out.write(bytes, off, len);
      return len;
    }

    @Override
    public int putUnquotedUTF8(java.nio.ByteBuffer out) {
      if (out.remaining() < len) {
        return -1;
      }
      out.put(bytes, off, len);
      return len;
    }

    // Raw JSON is never written quoted.
    @Override
    public char[] asQuotedChars() {
      throw new UnsupportedOperationException("raw JSON slice is not quoted");
    }

    @Override
    public byte[] asQuotedUTF8() {
      throw new UnsupportedOperationException("raw JSON slice is not quoted");
    }

    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
      throw new UnsupportedOperationException("raw JSON slice is not quoted");
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
      throw new UnsupportedOperationException("raw JSON slice is not quoted");
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
      throw new UnsupportedOperationException("raw JSON slice is not quoted");
    }

    @Override
    public int putQuotedUTF8(java.nio.ByteBuffer buffer) {
      throw new UnsupportedOperationException("raw JSON slice is not quoted");
    }
  }

  /** {@link #sampleValue} appended to {@code sb}; {@code scratch} is overwritten. */
  static void appendSampleValue(StringBuilder sb, double v, StringBuilder scratch) {
    double abs = Math.abs(v);
    if (abs != 0 && !Double.isNaN(v) && !Double.isInfinite(v) && (abs < 1e-6 || abs >= 1e21)) {
      sb.append(formatE(v));
    } else {
      GoFloat.appendF(sb, v, scratch);
    }
  }

  /** {@code "resultType":..., "result":...} of a query answer. */
  public static void writeResult(JsonGenerator g, Value value) throws IOException {
    g.writeStringField("resultType", value.typeName());
    g.writeFieldName("result");
    switch (value) {
      case Scalar s -> {
        g.writeStartArray();
        g.writeNumber(goJsonFloat(s.t() / 1000.0));
        g.writeString(formatF(s.v()));
        g.writeEndArray();
      }
      case StringValue s -> {
        g.writeStartArray();
        g.writeNumber(goJsonFloat(s.t() / 1000.0));
        g.writeString(s.s());
        g.writeEndArray();
      }
      case Vector v -> {
        PointWriter w = new PointWriter();
        g.writeStartArray();
        for (Sample s : v.samples()) {
          g.writeStartObject();
          g.writeFieldName("metric");
          writeLabels(g, s.metric());
          g.writeFieldName("value");
          w.point(s.t(), s.f());
          w.flush(g);
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      case Matrix m -> {
        PointWriter w = new PointWriter();
        g.writeStartArray();
        for (RangeSeries rs : m.series()) {
          g.writeStartObject();
          g.writeFieldName("metric");
          writeLabels(g, rs.metric());
          List<FPoint> pts = rs.points();
          if (!pts.isEmpty()) {
            g.writeFieldName("values");
            w.open();
            for (int i = 0; i < pts.size(); i++) {
              if (i > 0) {
                w.comma();
              }
              FPoint p = pts.get(i);
              w.point(i, p.t(), p.f());
            }
            w.close();
            w.flush(g);
          }
          g.writeEndObject();
        }
        g.writeEndArray();
      }
    }
  }

  /** Top-level {@code warnings} and {@code infos}, each omitted when empty. */
  public static void writeNotes(JsonGenerator g, List<String> warnings, List<String> infos) throws IOException {
    if (!warnings.isEmpty()) {
      g.writeArrayFieldStart("warnings");
      for (String w : warnings) {
        g.writeString(w);
      }
      g.writeEndArray();
    }
    if (!infos.isEmpty()) {
      g.writeArrayFieldStart("infos");
      for (String w : infos) {
        g.writeString(w);
      }
      g.writeEndArray();
    }
  }
}
