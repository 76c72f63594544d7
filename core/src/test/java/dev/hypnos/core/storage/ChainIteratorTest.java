package dev.hypnos.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The two-input merge (batched) against the general one: a third input without samples sends the
 * same two inputs through the sample-at-a-time loop, which must give the same samples.
 */
class ChainIteratorTest {
  /** Samples from arrays, stepped one at a time; optionally reports an error at its end. */
  static final class Samples implements ChunkIterator {
    private final long[] t;
    private final double[] v;
    private final @Nullable String error;
    private int i = -1;

    Samples(long[] t, double[] v, @Nullable String error) {
      this.t = t;
      this.v = v;
      this.error = error;
    }

    @Override
    public boolean next() {
      if (i < t.length) {
        i++;
      }
      return i < t.length;
    }

    @Override
    public boolean hasCurrent() {
      return i >= 0 && i < t.length;
    }

    @Override
    public long timestamp() {
      return t[i];
    }

    @Override
    public double value() {
      return v[i];
    }

    @Override
    public @Nullable String error() {
      return i >= t.length ? error : null;
    }
  }

  record Input(long[] t, double[] v) {
    Samples iterator() {
      return new Samples(t, v, null);
    }
  }

  /** Increasing timestamps with repeats (equal timestamps in a row) and stale markers. */
  static Input input(Random rnd, int n, long step) {
    long[] t = new long[n];
    double[] v = new double[n];
    long ts = rnd.nextInt(10_000);
    for (int k = 0; k < n; k++) {
      if (rnd.nextInt(20) != 0) {
        ts += 1 + rnd.nextInt((int) step);
      }
      t[k] = ts;
      v[k] = rnd.nextInt(30) == 0 ? Values.STALE_NAN : rnd.nextGaussian();
    }
    return new Input(t, v);
  }

  static List<String> drain(ChunkIterator it) {
    List<String> out = new ArrayList<>();
    while (it.next()) {
      assertThat(it.hasCurrent()).isTrue();
      out.add(it.timestamp() + "=" + Long.toHexString(Double.doubleToRawLongBits(it.value())));
    }
    assertThat(it.hasCurrent()).isFalse();
    assertThat(it.next()).isFalse();
    return out;
  }

  @Test
  void twoInputsMergeLikeTheGeneralLoop() {
    Random rnd = new Random(3);
    Input none = new Input(new long[0], new double[0]);
    for (int round = 0; round < 300; round++) {
      // Same step for both (many equal timestamps across inputs) or different ones; lengths from
      // empty to several batches.
      long step = 1 + rnd.nextInt(round % 3 == 0 ? 3 : 40);
      Input a = input(rnd, rnd.nextInt(round % 7 == 0 ? 3 : 700), step);
      Input b = input(rnd, rnd.nextInt(round % 5 == 0 ? 3 : 700), round % 2 == 0 ? step : 1 + rnd.nextInt(40));
      List<String> want = drain(new ChainIterator(a.iterator(), b.iterator(), none.iterator()));
      assertThat(drain(new ChainIterator(a.iterator(), b.iterator()))).as("round %d", round).containsExactlyElementsOf(want);
    }
  }

  @Test
  void equalTimestampsKeepTheFirstInputsSampleAndStaleMarkersKeepTheirBits() {
    Input a = new Input(new long[] {10, 20, 30}, new double[] {1, Values.STALE_NAN, 3});
    Input b = new Input(new long[] {5, 20, 25, 30, 40}, new double[] {9, 8, Values.STALE_NAN, 6, 5});
    ChainIterator it = new ChainIterator(a.iterator(), b.iterator());
    assertThat(it.hasCurrent()).isFalse();
    List<Long> ts = new ArrayList<>();
    List<Long> bits = new ArrayList<>();
    while (it.next()) {
      ts.add(it.timestamp());
      bits.add(Double.doubleToRawLongBits(it.value()));
    }
    assertThat(ts).containsExactly(5L, 10L, 20L, 25L, 30L, 40L);
    assertThat(bits).containsExactly(Double.doubleToRawLongBits(9), Double.doubleToRawLongBits(1),
        Double.doubleToRawLongBits(Values.STALE_NAN), Double.doubleToRawLongBits(Values.STALE_NAN),
        Double.doubleToRawLongBits(3), Double.doubleToRawLongBits(5));
  }

  @Test
  void anInputsErrorIsReported() {
    ChunkIterator good = new Samples(new long[] {1, 2, 3}, new double[] {1, 2, 3}, null);
    ChunkIterator bad = new Samples(new long[] {2}, new double[] {5}, "corrupt chunk 7");
    ChainIterator it = new ChainIterator(good, bad);
    assertThat(drain(it)).hasSize(3);
    assertThat(it.error()).isEqualTo("corrupt chunk 7");
  }

  @Test
  void batchReadsLeaveTheLastSampleCurrent() {
    Random rnd = new Random(9);
    for (int round = 0; round < 50; round++) {
      Input a = input(rnd, rnd.nextInt(400), 20);
      Input b = input(rnd, rnd.nextInt(400), 20);
      List<String> want = drain(new ChainIterator(a.iterator(), b.iterator()));
      ChainIterator it = new ChainIterator(a.iterator(), b.iterator());
      long[] ts = new long[100];
      double[] vs = new double[100];
      List<String> got = new ArrayList<>();
      while (true) {
        int max = 1 + rnd.nextInt(100);
        int n = it.next(ts, vs, 0, max);
        for (int i = 0; i < n; i++) {
          got.add(ts[i] + "=" + Long.toHexString(Double.doubleToRawLongBits(vs[i])));
        }
        if (n > 0) {
          // The current sample is the last one written, also when the inputs ended on the way.
          assertThat(it.timestamp() + "=" + Long.toHexString(Double.doubleToRawLongBits(it.value())))
              .isEqualTo(got.get(got.size() - 1));
        }
        if (n < max) {
          break;
        }
      }
      assertThat(got).as("round %d", round).containsExactlyElementsOf(want);
    }
  }
}
