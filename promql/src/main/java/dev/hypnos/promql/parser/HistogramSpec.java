package dev.hypnos.promql.parser;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A native histogram as written in test-script series notation, {@code {{schema:1 sum:3 count:22
 * buckets:[5 10 7]}}}: absolute (float) bucket counts, each bucket list one contiguous run
 * starting at its offset. Schema -53 means custom bucket bounds ({@code customValues}).
 *
 * @param counterResetHintSet whether {@code counter_reset_hint} was written explicitly
 */
public record HistogramSpec(
    int schema,
    double sum,
    double count,
    double zeroCount,
    double zeroThreshold,
    int positiveOffset,
    List<Double> positiveBuckets,
    int negativeOffset,
    List<Double> negativeBuckets,
    List<Double> customValues,
    CounterResetHint counterResetHint,
    boolean counterResetHintSet) {

  /** The schema of histograms with custom bucket bounds (NHCB). */
  public static final int CUSTOM_BUCKETS_SCHEMA = -53;

  /** Counter reset hint of a histogram sample. */
  public enum CounterResetHint {
    UNKNOWN,
    RESET,
    NOT_RESET,
    GAUGE
  }

  public HistogramSpec {
    positiveBuckets = List.copyOf(positiveBuckets);
    negativeBuckets = List.copyOf(negativeBuckets);
    customValues = List.copyOf(customValues);
    Objects.requireNonNull(counterResetHint, "counterResetHint");
  }

  /**
   * {@code this + sign * other}, as the {@code {{a}}+{{b}}xN} notation needs: buckets added by
   * index after reducing {@code other} to this histogram's (lower or equal) schema.
   *
   * @throws IllegalArgumentException when {@code other} has a lower schema, or custom bounds
   *     differ
   */
  public HistogramSpec combine(HistogramSpec other, int sign) {
    HistogramSpec o = other;
    if (schema == CUSTOM_BUCKETS_SCHEMA || o.schema == CUSTOM_BUCKETS_SCHEMA) {
      if (schema != o.schema || !customValues.equals(o.customValues)) {
        throw new IllegalArgumentException(
            "error combining histograms: cannot apply this operation on custom buckets histograms"
                + " with different custom bounds");
      }
    } else if (schema > o.schema) {
      throw new IllegalArgumentException(
          "error combining histograms: cannot merge from schema " + o.schema + " to " + schema);
    } else if (schema < o.schema) {
      o = o.reduceTo(schema);
    }
    int[] pOff = {0};
    List<Double> pos = addRuns(positiveOffset, positiveBuckets, o.positiveOffset,
        o.positiveBuckets, sign, pOff);
    int[] nOff = {0};
    List<Double> neg = addRuns(negativeOffset, negativeBuckets, o.negativeOffset,
        o.negativeBuckets, sign, nOff);
    return new HistogramSpec(
        schema,
        sum + sign * o.sum,
        count + sign * o.count,
        zeroCount + sign * o.zeroCount,
        Math.max(zeroThreshold, o.zeroThreshold),
        pOff[0],
        pos,
        nOff[0],
        neg,
        customValues,
        counterResetHint,
        counterResetHintSet);
  }

  private static List<Double> addRuns(
      int offA, List<Double> a, int offB, List<Double> b, int sign, int[] outOffset) {
    if (a.isEmpty() && b.isEmpty()) {
      outOffset[0] = 0;
      return List.of();
    }
    int lo = a.isEmpty() ? offB : b.isEmpty() ? offA : Math.min(offA, offB);
    int hi = a.isEmpty() ? offB + b.size() : b.isEmpty() ? offA + a.size()
        : Math.max(offA + a.size(), offB + b.size());
    double[] sumv = new double[hi - lo];
    for (int i = 0; i < a.size(); i++) {
      sumv[offA + i - lo] += a.get(i);
    }
    for (int i = 0; i < b.size(); i++) {
      sumv[offB + i - lo] += sign * b.get(i);
    }
    List<Double> out = new ArrayList<>(sumv.length);
    for (double d : sumv) {
      out.add(d);
    }
    outOffset[0] = lo;
    return out;
  }

  /** The same histogram at a lower exponential schema (neighbouring buckets merged). */
  public HistogramSpec reduceTo(int target) {
    if (target >= schema) {
      return this;
    }
    int delta = schema - target;
    int[] pOff = {0};
    List<Double> pos = reduceRun(positiveOffset, positiveBuckets, delta, pOff);
    int[] nOff = {0};
    List<Double> neg = reduceRun(negativeOffset, negativeBuckets, delta, nOff);
    return new HistogramSpec(
        target, sum, count, zeroCount, zeroThreshold, pOff[0], pos, nOff[0], neg, customValues,
        counterResetHint, counterResetHintSet);
  }

  private static List<Double> reduceRun(int off, List<Double> buckets, int delta, int[] outOff) {
    if (buckets.isEmpty()) {
      outOff[0] = 0;
      return List.of();
    }
    int first = ((off - 1) >> delta) + 1;
    int last = ((off + buckets.size() - 1 - 1) >> delta) + 1;
    double[] out = new double[last - first + 1];
    for (int i = 0; i < buckets.size(); i++) {
      int idx = ((off + i - 1) >> delta) + 1;
      out[idx - first] += buckets.get(i);
    }
    List<Double> res = new ArrayList<>(out.length);
    for (double d : out) {
      res.add(d);
    }
    outOff[0] = first;
    return res;
  }
}
