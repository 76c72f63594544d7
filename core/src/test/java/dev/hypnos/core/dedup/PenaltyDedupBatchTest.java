package dev.hypnos.core.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The array merge of two replicas against the sample-at-a-time iterators, on random data. */
class PenaltyDedupBatchTest {
  /** Samples from arrays, one at a time (uses the interface's default batch read). */
  static final class Arrays implements ChunkIterator {
    private final long[] t;
    private final double[] v;
    private int i = -1;

    Arrays(long[] t, double[] v) {
      this.t = t;
      this.v = v;
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
  }

  record Replica(long[] t, double[] v) {
    ChunkIterator iterator() {
      return new Arrays(t, v);
    }
  }

  /**
   * A scrape of {@code n} samples at about {@code interval} ms from {@code start}, with jitter,
   * gaps (missed scrapes and longer outages) and, for counters, resets to a small value.
   */
  static Replica replica(Random rnd, long start, long interval, int n, boolean counter) {
    long[] t = new long[n];
    double[] v = new double[n];
    long ts = start;
    double x = rnd.nextInt(100);
    int len = 0;
    for (int k = 0; k < n; k++) {
      int gap = rnd.nextInt(100);
      if (gap < 3) {
        ts += interval * (2 + rnd.nextInt(40)); // an outage
      } else if (gap < 10) {
        ts += interval; // one missed scrape
      }
      ts += interval + rnd.nextInt(41) - 20;
      if (counter) {
        x = rnd.nextInt(100) < 2 ? rnd.nextInt(5) : x + rnd.nextInt(20);
      } else {
        x = rnd.nextGaussian() * 100;
      }
      t[len] = ts;
      v[len] = x;
      len++;
    }
    return new Replica(java.util.Arrays.copyOf(t, len), java.util.Arrays.copyOf(v, len));
  }

  static List<long[]> drainBits(ChunkIterator it) {
    List<long[]> out = new ArrayList<>();
    while (it.next()) {
      out.add(new long[] {it.timestamp(), Double.doubleToRawLongBits(it.value())});
    }
    return out;
  }

  static List<long[]> drainBatches(ChunkIterator it, Random rnd) {
    List<long[]> out = new ArrayList<>();
    long[] ts = new long[300];
    double[] vs = new double[300];
    while (true) {
      // Mix single steps and batches of random size.
      if (rnd.nextInt(4) == 0) {
        if (!it.next()) {
          break;
        }
        out.add(new long[] {it.timestamp(), Double.doubleToRawLongBits(it.value())});
        continue;
      }
      int max = 1 + rnd.nextInt(299);
      int n = it.next(ts, vs, 0, max);
      for (int i = 0; i < n; i++) {
        out.add(new long[] {ts[i], Double.doubleToRawLongBits(vs[i])});
      }
      if (n > 0) {
        assertThat(it.hasCurrent()).isTrue();
        assertThat(it.timestamp()).isEqualTo(ts[n - 1]);
        assertThat(Double.doubleToRawLongBits(it.value())).isEqualTo(Double.doubleToRawLongBits(vs[n - 1]));
      }
      if (n < max) {
        assertThat(it.next()).isFalse();
        break;
      }
    }
    assertThat(it.hasCurrent()).isFalse();
    return out;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void sameSamplesAsTheIteratorsOnRandomReplicas(boolean counter) {
    Random rnd = new Random(counter ? 7 : 11);
    for (int round = 0; round < 400; round++) {
      long interval = 1000L * (1 + rnd.nextInt(30));
      int na = rnd.nextInt(round % 10 == 0 ? 5 : 700);
      int nb = rnd.nextInt(round % 10 == 1 ? 5 : 700);
      Replica a = replica(rnd, rnd.nextInt(60_000), interval, na, counter);
      Replica b = replica(rnd, rnd.nextInt(60_000), interval, nb, counter);
      List<long[]> want = drainBits(PenaltyDedupIterator.chained(List.of(a.iterator(), b.iterator()), counter));
      List<long[]> got = drainBits(new PenaltyDedupBatch(a.iterator(), b.iterator(), counter));
      assertThat(got).as("round %d, counter %s", round, counter).containsExactlyElementsOf(want);
      List<long[]> batched = drainBatches(new PenaltyDedupBatch(a.iterator(), b.iterator(), counter), rnd);
      assertThat(batched).as("round %d batched", round).containsExactlyElementsOf(want);
    }
  }

  /**
   * Long runs without gaps (the merge's fast paths: it stays on one replica for many batches),
   * replicas scraping out of phase, stale markers and counter resets in between.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void sameSamplesAsTheIteratorsOverLongSteadyRuns(boolean counter) {
    Random rnd = new Random(counter ? 17 : 19);
    for (int round = 0; round < 60; round++) {
      long interval = 15_000;
      long phase = rnd.nextInt(15_000);
      Replica[] reps = new Replica[2];
      for (int r = 0; r < 2; r++) {
        int n = 200 + rnd.nextInt(900);
        long[] t = new long[n];
        double[] v = new double[n];
        double x = 0;
        long ts = r * phase;
        for (int k = 0; k < n; k++) {
          // Once in a while a scrape goes missing: the only switches.
          ts += (rnd.nextInt(150) == 0 ? 3 : 1) * interval + rnd.nextInt(51) - 25;
          x = rnd.nextInt(300) == 0 ? 0 : x + rnd.nextInt(10);
          t[k] = ts;
          v[k] = rnd.nextInt(40) == 0 ? Values.STALE_NAN : x;
        }
        reps[r] = new Replica(t, v);
      }
      List<long[]> want = drainBits(PenaltyDedupIterator.chained(List.of(reps[0].iterator(), reps[1].iterator()), counter));
      List<long[]> got = drainBits(new PenaltyDedupBatch(reps[0].iterator(), reps[1].iterator(), counter));
      assertThat(got).as("round %d, counter %s", round, counter).containsExactlyElementsOf(want);
      List<long[]> batched = drainBatches(new PenaltyDedupBatch(reps[0].iterator(), reps[1].iterator(), counter), rnd);
      assertThat(batched).as("round %d batched", round).containsExactlyElementsOf(want);
    }
  }

  @Test
  void staleMarkerKeepsItsBitsWhileTheMergeStaysOnOneReplica() {
    // Many samples on a; b scrapes 3 s later, inside a's initial penalty, and is never taken:
    // every a sample, stale ones included, comes out of the steady-state loop with its bits.
    int n = 600;
    long[] at = new long[n];
    double[] av = new double[n];
    long[] bt = new long[n];
    double[] bv = new double[n];
    for (int k = 0; k < n; k++) {
      at[k] = k * 15_000L;
      av[k] = k % 50 == 7 ? Values.STALE_NAN : k;
      bt[k] = k * 15_000L + 3_000;
      bv[k] = -k;
    }
    for (boolean counter : new boolean[] {false, true}) {
      ChunkIterator it = PenaltyDedupIterator.of(List.of(new Replica(at, av).iterator(), new Replica(bt, bv).iterator()), counter);
      int k = 0;
      int stale = 0;
      while (it.next()) {
        assertThat(it.timestamp()).isEqualTo(at[k]);
        if (Values.isStaleNaN(it.value())) {
          stale++;
        } else {
          assertThat(it.value()).isEqualTo((double) k);
        }
        k++;
      }
      assertThat(k).as("counter %s", counter).isEqualTo(n);
      assertThat(stale).isEqualTo(12);
    }
  }

  @Test
  void moreThanTwoReplicasWithoutCounterCorrectionMatchTheIterators() {
    Random rnd = new Random(13);
    for (int round = 0; round < 200; round++) {
      int n = 3 + rnd.nextInt(3);
      long interval = 1000L * (1 + rnd.nextInt(30));
      List<Replica> reps = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        reps.add(replica(rnd, rnd.nextInt(60_000), interval, rnd.nextInt(500), false));
      }
      List<ChunkIterator> chained = new ArrayList<>();
      List<ChunkIterator> nested = new ArrayList<>();
      for (Replica r : reps) {
        chained.add(r.iterator());
        nested.add(r.iterator());
      }
      List<long[]> want = drainBits(PenaltyDedupIterator.chained(chained, false));
      ChunkIterator it = PenaltyDedupIterator.of(nested, false);
      assertThat(it).isInstanceOf(PenaltyDedupBatch.class);
      assertThat(drainBits(it)).as("round %d, %d replicas", round, n).containsExactlyElementsOf(want);
    }
  }

  @Test
  void counterSwitchAddsTheMissedIncrease() {
    // a stops after 300; b (restarted, lower) takes over after the gap: its values are raised so
    // that the counter never goes down.
    Replica a = new Replica(new long[] {10_000, 20_000, 30_000}, new double[] {100, 200, 300});
    Replica b = new Replica(new long[] {15_000, 25_000, 80_000, 90_000}, new double[] {5, 6, 7, 9});
    List<String> out = new ArrayList<>();
    ChunkIterator it = PenaltyDedupIterator.of(List.of(a.iterator(), b.iterator()), true);
    assertThat(it).isInstanceOf(PenaltyDedupBatch.class);
    while (it.next()) {
      out.add(it.timestamp() + "=" + it.value());
    }
    assertThat(out).containsExactly("10000=100.0", "20000=200.0", "30000=300.0", "80000=300.0", "90000=302.0");
  }

  @Test
  void staleMarkerKeepsItsBits() {
    Replica a = new Replica(new long[] {10_000, 20_000}, new double[] {1, Values.STALE_NAN});
    Replica b = new Replica(new long[] {15_000}, new double[] {2});
    ChunkIterator it = PenaltyDedupIterator.of(List.of(a.iterator(), b.iterator()), false);
    assertThat(it.next()).isTrue();
    assertThat(it.next()).isTrue();
    assertThat(Values.isStaleNaN(it.value())).isTrue();
    assertThat(it.next()).isFalse();
  }

  @Test
  void staleMarkerKeepsItsBitsThroughTheSampleAtATimeChain() {
    Replica a = new Replica(new long[] {10_000, 20_000}, new double[] {1, Values.STALE_NAN});
    Replica b = new Replica(new long[] {15_000}, new double[] {2});
    Replica c = new Replica(new long[] {26_000}, new double[] {3});
    ChunkIterator it = PenaltyDedupIterator.of(List.of(a.iterator(), b.iterator(), c.iterator()), true);
    assertThat(it).isNotInstanceOf(PenaltyDedupBatch.class);
    assertThat(it.next()).isTrue();
    assertThat(it.next()).isTrue();
    assertThat(Values.isStaleNaN(it.value())).isTrue();
  }
}
