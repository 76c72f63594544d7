package dev.hypnos.promql.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Warnings and infos gathered while evaluating a query, deduplicated by rendered text as
 * Prometheus does. Texts follow Prometheus's {@code util/annotations}: a prefix
 * ("PromQL warning: " / "PromQL info: "), the message, and the position of the expression that
 * raised it as {@code (line:column)}.
 *
 * <p>Concurrency: not thread-safe; one instance per query.
 */
public final class Annotations {
  /** Kind of annotation. */
  public enum Kind {
    WARNING("PromQL warning: "),
    INFO("PromQL info: ");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    public String prefix() {
      return prefix;
    }
  }

  /**
   * One annotation.
   *
   * @param kind warning or info
   * @param message text without prefix and position
   * @param position character offset in the query where the expression starts, -1 when unknown
   */
  public record Annotation(Kind kind, String message, int position) {
    public Annotation {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(message, "message");
    }

    /** The full text as Prometheus renders it for {@code query}. */
    public String render(String query) {
      return kind.prefix + message + " (" + positionText(query, position) + ")";
    }
  }

  private final Map<String, Annotation> byKey = new LinkedHashMap<>();

  public void add(Annotation a) {
    byKey.putIfAbsent(a.kind + "\u0000" + a.message + "\u0000" + a.position, a);
  }

  public void warn(String message, int position) {
    add(new Annotation(Kind.WARNING, message, position));
  }

  public void info(String message, int position) {
    add(new Annotation(Kind.INFO, message, position));
  }

  public void addAll(Annotations other) {
    other.byKey.values().forEach(this::add);
  }

  public List<Annotation> all() {
    return List.copyOf(byKey.values());
  }

  public boolean isEmpty() {
    return byKey.isEmpty();
  }

  /** Rendered texts of the given kind. */
  public List<String> rendered(Kind kind, String query) {
    List<String> out = new ArrayList<>();
    for (Annotation a : byKey.values()) {
      if (a.kind == kind) {
        out.add(a.render(query));
      }
    }
    return out;
  }

  /**
   * {@code line:column}, 1-based, of the character offset {@code pos} in {@code input}; the column
   * counts UTF-8 bytes as Prometheus does.
   */
  public static String positionText(String input, int pos) {
    if (pos < 0 || pos > input.length()) {
      return "unknown position";
    }
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < pos; i++) {
      if (input.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    int col = input.substring(lineStart, pos).getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
    return line + ":" + col;
  }

  // Message texts (Prometheus util/annotations), without prefix and position.

  public static String possibleNonCounter(String metricName) {
    return "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "
        + goQuote(metricName);
  }

  public static String invalidQuantile(double q) {
    return "quantile value should be between 0 and 1, got " + formatG(q);
  }

  public static String invalidRatio(double r, double capped) {
    return "ratio value should be between -1 and 1, got " + formatG(r) + ", capping to " + formatG(capped);
  }

  public static String badBucketLabel(String metricName, String le) {
    String s = "bucket label \"le\" is missing or has a malformed value of " + goQuote(le);
    return metricName.isEmpty() ? s : s + " for metric name " + goQuote(metricName);
  }

  public static String forcedMonotonicity(String metricName) {
    String s =
        "input to histogram_quantile needed to be fixed for monotonicity (see"
            + " https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";
    return metricName.isEmpty() ? s : s + " for metric name " + goQuote(metricName);
  }

  /** {@code operation}: addition, subtraction or aggregation. */
  public static String mismatchedCustomBuckets(String operation) {
    return "mismatched custom buckets were reconciled during " + operation;
  }

  public static String histogramNotCounter(String metricName) {
    return "this native histogram metric is not a counter: " + goQuote(metricName);
  }

  public static String histogramNotGauge(String metricName) {
    return "this native histogram metric is not a gauge: " + goQuote(metricName);
  }

  public static String mixedClassicNative(String metricName) {
    String s = "vector contains a mix of classic and native histograms";
    return metricName.isEmpty() ? s : s + " for metric name " + goQuote(metricName);
  }

  public static String mixedFloatsHistograms(String metricName) {
    return "encountered a mix of histograms and floats for metric name " + goQuote(metricName);
  }

  public static String mixedFloatsHistogramsAggregation() {
    return "encountered a mix of histograms and floats for aggregation";
  }

  public static String histogramIgnoredInAggregation(String aggregation) {
    return "ignored histogram in " + aggregation + " aggregation";
  }

  public static String sortInRangeQuery() {
    return "sort is ineffective for range queries since results are always ordered by labels";
  }

  /** Go's {@code %q} for ordinary strings. */
  public static String goQuote(String s) {
    StringBuilder sb = new StringBuilder();
    dev.hypnos.core.labels.Labels.quoteGo(sb, s);
    return sb.toString();
  }

  /** Go's {@code %g} (shortest representation) for the values annotations print. */
  public static String formatG(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return 1 / v < 0 ? "-0" : "0";
    }
    java.math.BigDecimal d = new java.math.BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
    String digits = d.unscaledValue().toString();
    int exp = digits.length() - 1 - d.scale();
    String sign = v < 0 ? "-" : "";
    if (exp < -4 || exp >= 6) {
      String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      int ae = Math.abs(exp);
      return sign + mant + "e" + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" + ae : Integer.toString(ae));
    }
    return sign + d.toPlainString();
  }

}
