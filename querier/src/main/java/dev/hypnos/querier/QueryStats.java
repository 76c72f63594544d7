package dev.hypnos.querier;

import java.util.function.LongSupplier;

/**
 * What the querier measures of one query for the API's {@code stats} parameter: the samples read
 * from the stores (in total and by evaluation step) and when reading them ended.
 *
 * <p>Samples are counted as the engine reads them from the series the stores sent, clipped to each
 * select's range; a sample counts towards the first evaluation step at or after its timestamp (all
 * towards the one step of an instant query). The engine loads every selected sample before it
 * evaluates, so the total is also the most samples it holds from storage at once.
 *
 * <p>Concurrency: counting is not thread-safe and happens on the thread that reads the series (the
 * query's); the totals are read after the query ended.
 */
public final class QueryStats {
  private final long start;
  private final long interval;
  private final long[] perStep;
  private final LongSupplier nanoClock;
  private long total;
  private long selectsDoneNanos;

  /**
   * @param start the query's start (its time for an instant query), milliseconds
   * @param end the query's end, milliseconds
   * @param interval the step, milliseconds; 0 for an instant query
   * @param nanoClock where the end of reading is taken from
   */
  public QueryStats(long start, long end, long interval, LongSupplier nanoClock) {
    if (interval < 0 || end < start) {
      throw new IllegalArgumentException("query stats for [" + start + ", " + end + "] step " + interval
          + ": the step must not be negative and the end not before the start");
    }
    this.start = start;
    this.interval = interval;
    long steps = interval == 0 ? 1 : (end - start) / interval + 1;
    if (steps > 1_000_000) {
      throw new IllegalArgumentException("query stats for " + steps + " steps: too many");
    }
    this.perStep = new long[(int) steps];
    this.nanoClock = nanoClock;
  }

  /** Counts one sample read at {@code t}. */
  public void sample(long t) {
    total++;
    int i = 0;
    if (interval > 0 && t > start) {
      long k = (t - start + interval - 1) / interval;
      i = k >= perStep.length ? perStep.length - 1 : (int) k;
    }
    perStep[i]++;
  }

  /** Notes that a select has read its last series. */
  void selectDone() {
    selectsDoneNanos = nanoClock.getAsLong();
  }

  /** Samples read in total. */
  public long totalSamples() {
    return total;
  }

  /** Samples read by step; index i is the step at {@code start + i * interval}. */
  public long[] samplesPerStep() {
    return perStep.clone();
  }

  public long start() {
    return start;
  }

  public long interval() {
    return interval;
  }

  /** The clock reading when the last select ended, 0 when none ended. */
  public long selectsDoneNanos() {
    return selectsDoneNanos;
  }
}
