package dev.hypnos.promql.parser;

import static dev.hypnos.promql.parser.ValueType.MATRIX;
import static dev.hypnos.promql.parser.ValueType.SCALAR;
import static dev.hypnos.promql.parser.ValueType.STRING;
import static dev.hypnos.promql.parser.ValueType.VECTOR;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A PromQL function: its name, the types of its arguments, how many trailing arguments may be
 * left out or repeated, its result type, and whether it needs the {@code
 * promql-experimental-functions} feature.
 *
 * <p>{@code variadic}: 0 = exactly {@code argTypes.size()} arguments; {@code n > 0} = the last
 * {@code n} arguments are optional (between {@code size - n} and {@code size}; for {@code
 * histogram_quantiles} the last type repeats up to {@code n} more times); -1 = the last type may
 * repeat any number of times (at least {@code size - 1} arguments).
 */
public record Function(
    String name,
    List<ValueType> argTypes,
    int variadic,
    ValueType returnType,
    boolean experimental) {

  public Function {
    Objects.requireNonNull(name, "name");
    argTypes = List.copyOf(argTypes);
    Objects.requireNonNull(returnType, "returnType");
  }

  private static final Map<String, Function> FUNCTIONS;

  static {
    TreeMap<String, Function> m = new TreeMap<>();
    ValueType v = VECTOR;
    ValueType s = SCALAR;
    ValueType mx = MATRIX;
    ValueType str = STRING;
    for (String n :
        new String[] {
          "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "deg",
          "exp", "floor", "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev",
          "histogram_stdvar", "ln", "log10", "log2", "rad", "sgn", "sin", "sinh", "sort",
          "sort_desc", "sqrt", "tan", "tanh", "timestamp", "absent"
        }) {
      put(m, n, v, 0, false, v);
    }
    for (String n :
        new String[] {
          "absent_over_time", "avg_over_time", "changes", "count_over_time", "delta", "deriv",
          "idelta", "increase", "irate", "last_over_time", "max_over_time", "min_over_time",
          "present_over_time", "rate", "resets", "stddev_over_time", "stdvar_over_time",
          "sum_over_time"
        }) {
      put(m, n, v, 0, false, mx);
    }
    for (String n :
        new String[] {
          "first_over_time", "mad_over_time", "ts_of_first_over_time", "ts_of_max_over_time",
          "ts_of_min_over_time", "ts_of_last_over_time"
        }) {
      put(m, n, v, 0, true, mx);
    }
    for (String n :
        new String[] {
          "days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour", "minute",
          "month", "year"
        }) {
      put(m, n, v, 1, false, v);
    }
    for (String n : new String[] {"end", "range", "start", "step"}) {
      put(m, n, s, 0, true);
    }
    put(m, "pi", s, 0, false);
    put(m, "time", s, 0, false);
    put(m, "clamp", v, 0, false, v, s, s);
    put(m, "clamp_max", v, 0, false, v, s);
    put(m, "clamp_min", v, 0, false, v, s);
    put(m, "histogram_fraction", v, 0, false, s, s, v);
    put(m, "histogram_quantile", v, 0, false, s, v);
    put(m, "histogram_quantiles", v, 9, true, v, str, s, s);
    put(m, "double_exponential_smoothing", v, 0, true, mx, s, s);
    put(m, "info", v, 1, true, v, v);
    put(m, "label_replace", v, 0, false, v, str, str, str, str);
    put(m, "label_join", v, -1, false, v, str, str, str);
    put(m, "max_of", s, 0, true, s, s);
    put(m, "min_of", s, 0, true, s, s);
    put(m, "predict_linear", v, 0, false, mx, s);
    put(m, "quantile_over_time", v, 0, false, s, mx);
    put(m, "round", v, 1, false, v, s);
    put(m, "scalar", s, 0, false, v);
    put(m, "sort_by_label", v, -1, true, v, str);
    put(m, "sort_by_label_desc", v, -1, true, v, str);
    put(m, "start_timestamp", v, 0, true, v);
    put(m, "vector", v, 0, false, s);
    FUNCTIONS = Collections.unmodifiableMap(m);
  }

  private static void put(
      Map<String, Function> m,
      String name,
      ValueType ret,
      int variadic,
      boolean experimental,
      ValueType... args) {
    if (m.put(name, new Function(name, List.of(args), variadic, ret, experimental)) != null) {
      throw new IllegalStateException("function " + name + " defined twice");
    }
  }

  /** The function with this exact (case-sensitive) name, or null. */
  public static @Nullable Function lookup(String name) {
    return FUNCTIONS.get(name);
  }

  /** All functions by name. */
  public static Map<String, Function> all() {
    return FUNCTIONS;
  }
}
