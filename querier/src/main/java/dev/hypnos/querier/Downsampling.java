package dev.hypnos.querier;

import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.storeapi.Aggregate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How the querier reads downsampled data: which aggregates a select asks for, the coarsest
 * resolution it accepts, the lookback delta that goes with it, and the per-selector "views" used
 * by {@link DownsampledRewrite} so that {@code count_over_time} and {@code avg_over_time} stay
 * exact (docs/downsampling.md).
 *
 * <p>The first three follow Thanos (pkg/query/querier.go {@code aggrsFromFunc} and {@code
 * maxResolutionFromSelectHints}, pkg/api/query {@code LookbackDeltaFactory}).
 */
public final class Downsampling {
  /** The 5m resolution, milliseconds. */
  public static final long RES_5M = 300_000;
  /** The 1h resolution, milliseconds. */
  public static final long RES_1H = 3_600_000;

  /**
   * A pseudo label that {@link DownsampledRewrite} adds to a selector to choose its {@link View}.
   * {@link StoreApiQueryable} removes it before anything reaches a store.
   */
  public static final String VIEW_LABEL = "__hypnos_downsampled_view__";

  /**
   * What a selector rewritten by {@link DownsampledRewrite} reads for each point.
   *
   * <ul>
   *   <li>{@code COUNT}: how many raw samples the point stands for: 1 for a raw sample (stale
   *       markers stay stale markers, so they are not counted), the count aggregate for a
   *       downsampled point.
   *   <li>{@code SUM}: the sum of the raw samples it stands for: a raw sample's own value, the sum
   *       aggregate for a downsampled point.
   * </ul>
   */
  public enum View {
    COUNT("count", Aggregate.COUNT),
    SUM("sum", Aggregate.SUM);

    private final String label;
    private final Aggregate aggregate;

    View(String label, Aggregate aggregate) {
      this.label = label;
      this.aggregate = aggregate;
    }

    /** The value of {@link #VIEW_LABEL} that selects this view. */
    public String label() {
      return label;
    }

    /** The aggregate asked from downsampled chunks. */
    public Aggregate aggregate() {
      return aggregate;
    }

    /** The matcher that selects this view. */
    public Matcher matcher() {
      return Matcher.eq(VIEW_LABEL, label);
    }

    /** The view named by a {@link #VIEW_LABEL} matcher, or null for another label. */
    static @Nullable View of(Matcher m) {
      if (!m.name().equals(VIEW_LABEL)) {
        return null;
      }
      for (View v : values()) {
        if (m.type() == MatchType.EQ && v.label.equals(m.value())) {
          return v;
        }
      }
      throw new IllegalArgumentException("select with " + m + ": " + VIEW_LABEL + " is reserved; it must equal \"count\" or \"sum\"");
    }
  }

  /** Functions whose result needs two samples in the range (Thanos promqlFuncRequiresTwoSamples). */
  private static final Set<String> NEEDS_TWO_SAMPLES = Set.of("rate", "irate", "increase", "delta", "idelta",
      "deriv", "predict_linear", "holt_winters", "double_exponential_smoothing");

  private static final List<Aggregate> MIN = List.of(Aggregate.MIN);
  private static final List<Aggregate> MAX = List.of(Aggregate.MAX);
  private static final List<Aggregate> COUNT = List.of(Aggregate.COUNT);
  private static final List<Aggregate> SUM = List.of(Aggregate.SUM);
  private static final List<Aggregate> COUNTER = List.of(Aggregate.COUNTER);
  private static final List<Aggregate> AVERAGE = List.of(Aggregate.COUNT, Aggregate.SUM);

  private Downsampling() {}

  /**
   * The aggregates to ask for when a selector sits directly inside {@code func} (the select
   * hints' function): MIN for {@code min}/{@code min_*}, MAX for {@code max}/{@code max_*}, COUNT
   * for {@code count}/{@code count_*}, SUM for {@code sum_*} (plain {@code sum} wants the samples),
   * COUNTER for {@code rate}, {@code increase}, {@code irate}, {@code resets}, {@code xrate},
   * {@code xincrease}; COUNT and SUM (read as their average) for everything else.
   */
  public static List<Aggregate> aggregatesFor(String func) {
    if (func.equals("min") || func.startsWith("min_")) {
      return MIN;
    }
    if (func.equals("max") || func.startsWith("max_")) {
      return MAX;
    }
    if (func.equals("count") || func.startsWith("count_")) {
      return COUNT;
    }
    if (func.startsWith("sum_")) {
      return SUM;
    }
    return switch (func) {
      case "rate", "increase", "irate", "resets", "xrate", "xincrease" -> COUNTER;
      default -> AVERAGE;
    };
  }

  /**
   * The max resolution window of one select: the query's, lowered to half the range for functions
   * that need two samples in their range (so {@code rate(x[1h])} never reads 1h data).
   */
  public static long maxResolutionFor(long queryMaxResolution, long rangeMillis, String func) {
    if (rangeMillis > 0 && NEEDS_TWO_SAMPLES.contains(func)) {
      return Math.min(queryMaxResolution, rangeMillis / 2);
    }
    return queryMaxResolution;
  }

  /**
   * The lookback delta for a query allowed data up to {@code maxResolutionMillis}: an instant
   * selector must reach back at least one point of the coarsest resolution it may read, so the
   * delta grows to 1h once resolutions coarser than 5m (or than the delta) are allowed (Thanos's
   * dynamic lookback delta).
   */
  public static Duration lookbackDelta(Duration configured, long maxResolutionMillis) {
    long ld = configured.toMillis();
    long out = ld;
    long[] res = {0, RES_5M, RES_1H};
    for (int i = 1; i < res.length; i++) {
      if (maxResolutionMillis > Math.max(ld, res[i - 1])) {
        out = Math.max(ld, res[i]);
      }
    }
    return Duration.ofMillis(out);
  }
}
