package dev.hypnos.querier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.StoreChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batch reads of a store series' chunks give the same samples as reading them one by one. */
class StoreSeriesIteratorsBatchTest {
  static List<StoreChunk> chunks(Random rnd, long start, int nChunks) {
    List<StoreChunk> out = new ArrayList<>();
    XorEncoder enc = new XorEncoder();
    long t = start;
    double v = 0;
    for (int c = 0; c < nChunks; c++) {
      enc.reset();
      int n = 1 + rnd.nextInt(150);
      long first = t;
      for (int k = 0; k < n; k++) {
        enc.append(t, v);
        t += 15_000 + rnd.nextInt(2000) - 1000 + (rnd.nextInt(50) == 0 ? 300_000 : 0);
        v += rnd.nextInt(10);
      }
      out.add(StoreChunk.raw(first, t - 1, ChunkData.hashed(ChunkData.Encoding.XOR, enc.bytes())));
    }
    return out;
  }

  static List<String> single(ChunkIterator it) {
    List<String> out = new ArrayList<>();
    while (it.next()) {
      out.add(it.timestamp() + "=" + it.value());
    }
    return out;
  }

  static List<String> batched(ChunkIterator it, Random rnd) {
    List<String> out = new ArrayList<>();
    long[] ts = new long[200];
    double[] vs = new double[200];
    while (true) {
      int max = 1 + rnd.nextInt(200);
      int n = it.next(ts, vs, 0, max);
      for (int i = 0; i < n; i++) {
        out.add(ts[i] + "=" + vs[i]);
      }
      if (n > 0) {
        assertThat(it.timestamp() + "=" + it.value()).isEqualTo(out.get(out.size() - 1));
      }
      if (n < max) {
        // Fewer than asked only at the end: another read gives nothing and leaves no sample.
        assertThat(it.next(ts, vs, 0, 10)).isZero();
        assertThat(it.hasCurrent()).isFalse();
        return out;
      }
    }
  }

  @Test
  void batchReadsEqualSingleSteps() {
    Random rnd = new Random(3);
    for (int round = 0; round < 200; round++) {
      long start = rnd.nextInt(100_000);
      List<StoreChunk> a = chunks(rnd, start, 1 + rnd.nextInt(5));
      // A second replica overlapping the first (split and deduplicated) in half the rounds.
      List<StoreChunk> all = new ArrayList<>(a);
      if (round % 2 == 0) {
        all.addAll(chunks(rnd, start + 7_000, 1 + rnd.nextInt(5)));
      }
      long lo = start + rnd.nextInt(600_000) - 100_000;
      long hi = lo + rnd.nextInt(4_000_000);
      boolean penalty = rnd.nextBoolean();
      boolean counter = rnd.nextBoolean();
      List<String> want = single(StoreSeriesIterators.of(all, lo, hi, penalty, counter));
      List<String> got = batched(StoreSeriesIterators.of(all, lo, hi, penalty, counter), rnd);
      assertThat(got).as("round %d", round).isEqualTo(want);
    }
  }
}
