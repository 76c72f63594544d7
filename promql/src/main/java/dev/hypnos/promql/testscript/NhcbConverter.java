package dev.hypnos.promql.testscript;

import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Labels;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The extra step of {@code load_with_nhcb}: every classic-histogram family of a load block
 * ({@code X_bucket} series with an {@code le} label, {@code X_count}, {@code X_sum}) becomes, per
 * timestamp, one native histogram with custom bounds named {@code X}, labels minus {@code le}.
 * Cumulative bucket counts become per-bucket counts; a missing count is the highest bucket's;
 * a +Inf bucket is added when missing; {@code le="NaN"} buckets are left out. A timestamp whose
 * buckets are not cumulative or whose count differs from the +Inf bucket gives no histogram
 * (Prometheus fails the whole load then).
 */
final class NhcbConverter {
  private NhcbConverter() {}

  private static final class Temp {
    final TreeMap<Double, Double> buckets = new TreeMap<>();
    double count;
    boolean hasCount;
    double sum;
    boolean broken;

    void bucket(double le, double c) {
      if (buckets.containsKey(le)) {
        return;
      }
      Map.Entry<Double, Double> below = buckets.lowerEntry(le);
      Map.Entry<Double, Double> above = buckets.higherEntry(le);
      if (c < 0 || (below != null && c < below.getValue()) || (above != null && c > above.getValue())) {
        broken = true;
      }
      buckets.put(le, c);
    }

    FloatHistogram convert() {
      if (broken) {
        return null;
      }
      if (!hasCount && !buckets.isEmpty()) {
        count = buckets.lastEntry().getValue();
      }
      if (buckets.isEmpty() || buckets.lastKey() != Double.POSITIVE_INFINITY) {
        buckets.put(Double.POSITIVE_INFINITY, count);
      }
      if (count != buckets.lastEntry().getValue()) {
        return null;
      }
      double[] bounds = new double[buckets.size() - 1];
      double[] counts = new double[buckets.size()];
      double prev = 0;
      int i = 0;
      for (Map.Entry<Double, Double> e : buckets.entrySet()) {
        if (i < bounds.length) {
          bounds[i] = e.getKey();
        }
        counts[i++] = e.getValue() - prev;
        prev = e.getValue();
      }
      return FloatHistogram.customBuckets(bounds, counts, count, sum);
    }
  }

  /** The NHCB series of one load block, by labels, each with its samples by timestamp. */
  static Map<Labels, TreeMap<Long, FloatHistogram>> convert(Collection<SeriesLine> block, long intervalMs) {
    Map<Labels, TreeMap<Long, Temp>> temps = new LinkedHashMap<>();
    for (SeriesLine s : block) {
      if (s.histogram()) {
        continue;
      }
      String name = s.labels().getOrEmpty("__name__");
      String base;
      int kind;
      if (name.endsWith("_bucket")) {
        base = name.substring(0, name.length() - "_bucket".length());
        kind = 0;
      } else if (name.endsWith("_sum")) {
        base = name.substring(0, name.length() - "_sum".length());
        kind = 1;
      } else if (name.endsWith("_count")) {
        base = name.substring(0, name.length() - "_count".length());
        kind = 2;
      } else {
        continue;
      }
      double le = 0;
      if (kind == 0) {
        String leText = s.labels().get("le");
        if (leText == null) {
          throw new ScriptException(0, "expected bucket label in metric " + s.labels());
        }
        try {
          le = parseBound(leText);
        } catch (NumberFormatException e) {
          continue;
        }
        if (Double.isNaN(le)) {
          continue;
        }
      }
      Labels target = withName(s.labels().without("le"), base);
      TreeMap<Long, Temp> byTime = temps.computeIfAbsent(target, k -> new TreeMap<>());
      for (int i = 0; i < s.slots(); i++) {
        if (!s.present()[i]) {
          continue;
        }
        Temp t = byTime.computeIfAbsent(i * intervalMs, k -> new Temp());
        double v = s.values()[i];
        switch (kind) {
          case 0 -> t.bucket(le, v);
          case 1 -> t.sum = v;
          default -> {
            if (v < 0) {
              t.broken = true;
            }
            t.count = v;
            t.hasCount = true;
          }
        }
      }
    }
    Map<Labels, TreeMap<Long, FloatHistogram>> out = new LinkedHashMap<>();
    temps.forEach((labels, byTime) -> {
      TreeMap<Long, FloatHistogram> samples = new TreeMap<>();
      byTime.forEach((t, temp) -> {
        FloatHistogram h = temp.convert();
        if (h != null) {
          samples.put(t, h);
        }
      });
      if (!samples.isEmpty()) {
        out.put(labels, samples);
      }
    });
    return out;
  }

  private static Labels withName(Labels l, String name) {
    List<dev.hypnos.core.labels.Label> list = new ArrayList<>();
    l.forEach((k, v) -> {
      if (!k.equals("__name__")) {
        list.add(new dev.hypnos.core.labels.Label(k, v));
      }
    });
    list.add(new dev.hypnos.core.labels.Label("__name__", name));
    return Labels.fromUnsorted(list);
  }

  /** Go's strconv.ParseFloat for bucket bounds: decimal, exponent, Inf and NaN spellings. */
  static double parseBound(String s) {
    switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "+inf", "inf", "+infinity", "infinity" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-inf", "-infinity" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "nan" -> {
        return Double.NaN;
      }
      default -> {}
    }
    if (s.isEmpty() || !s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
      throw new NumberFormatException(s);
    }
    return Double.parseDouble(s);
  }
}
