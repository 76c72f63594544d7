package dev.hypnos.core.dedup;

import dev.hypnos.core.chunk.ChunkIterator;

/** A sample iterator whose values can be corrected after the dedup iterator switched replicas. */
interface AdjustableIterator extends ChunkIterator {
  /** Called after a switch with the last value emitted before it. */
  void adjustAtValue(double lastValue);

  /** No correction: gauges and everything that is not a counter. */
  static AdjustableIterator plain(ChunkIterator it) {
    return new Wrapper(it, false);
  }

  /**
   * Counter correction: a counter cannot go down, so when the replica switched to is below the
   * last value emitted (it missed the end of the other replica's increase before a restart), the
   * difference is added to all its later values. Without it PromQL would see a false reset
   * (thanos-io/thanos#2401).
   */
  static AdjustableIterator counter(ChunkIterator it) {
    return new Wrapper(it, true);
  }

  final class Wrapper implements AdjustableIterator {
    private final ChunkIterator it;
    private final boolean counter;
    private double errAdjust;

    Wrapper(ChunkIterator it, boolean counter) {
      this.it = it;
      this.counter = counter;
    }

    @Override
    public void adjustAtValue(double lastValue) {
      if (counter) {
        double v = value();
        if (lastValue > v) {
          errAdjust += lastValue - v;
        }
      }
    }

    @Override
    public boolean next() {
      return it.next();
    }

    @Override
    public boolean seek(long t) {
      return it.seek(t);
    }

    @Override
    public boolean hasCurrent() {
      return it.hasCurrent();
    }

    @Override
    public long timestamp() {
      return it.timestamp();
    }

    @Override
    public double value() {
      // Adding 0.0 would turn the stale marker (a signalling NaN) into a quiet NaN.
      return errAdjust != 0 ? it.value() + errAdjust : it.value();
    }

    @Override
    public @org.jspecify.annotations.Nullable String error() {
      return it.error();
    }
  }
}
