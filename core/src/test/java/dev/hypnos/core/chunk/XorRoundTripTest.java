package dev.hypnos.core.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class XorRoundTripTest {

  /** Samples as parallel arrays; values kept as raw bits. */
  record Series(long[] ts, long[] bits) {
    int size() {
      return ts.length;
    }
  }

  private static final int KINDS = 6;

  /** Realistic series of several kinds (counters with resets, gauges, jitter, specials, jumps). */
  static Series series(SplittableRandom r, int kind, int n) {
    long[] ts = new long[n];
    long[] bits = new long[n];
    long t = r.nextLong(-5_000_000_000L, 2_000_000_000_000L);
    double v = r.nextInt(1000);
    for (int i = 0; i < n; i++) {
      switch (kind) {
        case 0 -> { // counter, regular 15s, occasional reset
          t += 15_000;
          v = r.nextInt(100) == 0 ? r.nextInt(10) : v + r.nextInt(200);
        }
        case 1 -> { // gauge with decimals, jittered cadence
          t += 15_000 + r.nextInt(-50, 51);
          v = Math.round(r.nextGaussian() * 1000 * 100) / 100.0;
        }
        case 2 -> { // histogram-bucket-like counter: slow increments, mostly unchanged
          t += 30_000;
          if (r.nextInt(4) == 0) {
            v += r.nextInt(3);
          }
        }
        case 3 -> { // specials mixed in: NaN, +-Inf, stale markers, -0.0, tiny and huge values
          t += 15_000 + r.nextInt(-2, 3);
          v = switch (r.nextInt(9)) {
            case 0 -> Double.NaN;
            case 1 -> Double.POSITIVE_INFINITY;
            case 2 -> Double.NEGATIVE_INFINITY;
            case 3 -> Values.STALE_NAN;
            case 4 -> -0.0;
            case 5 -> Double.MIN_VALUE;
            case 6 -> Double.MAX_VALUE;
            case 7 -> Double.longBitsToDouble(r.nextLong());
            default -> r.nextDouble();
          };
        }
        case 4 -> { // big timestamp jumps and repeats, each dod bucket hit
          t += switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> r.nextLong(1, 10_000);
            case 2 -> r.nextLong(10_000, 100_000);
            case 3 -> r.nextLong(100_000, 1_000_000);
            case 4 -> r.nextLong(1_000_000, 10_000_000_000L);
            default -> 15_000;
          };
          v = r.nextInt(3) == 0 ? v : r.nextInt(50);
        }
        default -> { // random doubles: worst case for the value encoding
          t += 1 + r.nextInt(60_000);
          v = Double.longBitsToDouble(r.nextLong());
        }
      }
      ts[i] = t;
      bits[i] = kind == 3 && Double.isNaN(v) && !Values.isStaleNaN(v)
          ? Values.NORMAL_NAN_BITS
          : Double.doubleToRawLongBits(v);
    }
    return new Series(ts, bits);
  }

  static byte[] encode(Series s) {
    XorEncoder e = new XorEncoder();
    for (int i = 0; i < s.size(); i++) {
      e.append(s.ts[i], Double.longBitsToDouble(s.bits[i]));
    }
    return e.bytes();
  }

  static void assertDecodes(XorIterator it, Series s) {
    for (int i = 0; i < s.size(); i++) {
      assertThat(it.next()).as("sample %d", i).isTrue();
      assertThat(it.timestamp()).as("t of sample %d", i).isEqualTo(s.ts[i]);
      assertThat(Double.doubleToRawLongBits(it.value())).as("v of sample %d", i).isEqualTo(s.bits[i]);
      assertThat(it.valueBits()).isEqualTo(s.bits[i]);
    }
    assertThat(it.next()).isFalse();
    assertThat(it.hasCurrent()).isFalse();
    assertThat(it.error()).isNull();
  }


  /** Decodes with the batch method in random batch sizes, mixed with single next() calls. */
  static void assertBatchDecodes(XorIterator it, Series s, SplittableRandom r) {
    int n = s.size();
    long[] ts = new long[n + 10];
    double[] vs = new double[n + 10];
    int got = 0;
    while (true) {
      int k;
      if (r.nextInt(5) == 0) {
        if (!it.next()) {
          break;
        }
        ts[got] = it.timestamp();
        vs[got] = it.value();
        k = 1;
      } else {
        int max = r.nextInt(0, 40);
        k = it.next(ts, vs, got, Math.min(max, ts.length - got));
        if (k == 0 && max > 0) {
          break;
        }
        if (k > 0) {
          assertThat(it.hasCurrent()).isTrue();
          assertThat(it.timestamp()).isEqualTo(ts[got + k - 1]);
          assertThat(it.valueBits()).isEqualTo(Double.doubleToRawLongBits(vs[got + k - 1]));
        }
      }
      got += k;
    }
    assertThat(got).isEqualTo(n);
    for (int i = 0; i < n; i++) {
      assertThat(ts[i]).as("t of sample %d", i).isEqualTo(s.ts[i]);
      assertThat(Double.doubleToRawLongBits(vs[i])).as("v of sample %d", i).isEqualTo(s.bits[i]);
    }
    assertThat(it.hasCurrent()).isFalse();
    assertThat(it.error()).isNull();
    assertThat(it.next(ts, vs, 0, 5)).isZero();
  }

  @Test
  void randomizedRoundTripsAreBitExact() {
    SplittableRandom r = new SplittableRandom(42);
    XorIterator it = new XorIterator();
    for (int round = 0; round < 3000; round++) {
      int kind = round % KINDS;
      int n = switch (round % 7) {
        case 0 -> 1;
        case 1 -> 2;
        case 2 -> 3;
        default -> 1 + r.nextInt(300);
      };
      Series s = series(r, kind, n);
      byte[] b = encode(s);
      assertThat(((b[0] & 0xFF) << 8) | (b[1] & 0xFF)).isEqualTo(n);
      assertDecodes(XorChunk.wrap(b).iterator(it), s);
      assertBatchDecodes(XorChunk.wrap(b).iterator(it), s, r);
    }
  }

  @Test
  void oneIteratorOverManyChunksInOneArray() {
    SplittableRandom r = new SplittableRandom(7);
    Series[] all = new Series[200];
    byte[][] encoded = new byte[all.length][];
    int total = 0;
    for (int i = 0; i < all.length; i++) {
      all[i] = series(r, i % KINDS, 120);
      encoded[i] = encode(all[i]);
      total += encoded[i].length + 3;
    }
    // Lay chunks out back to back with junk between them, like a segment file.
    byte[] file = new byte[total];
    int[] offsets = new int[all.length];
    int p = 0;
    for (int i = 0; i < all.length; i++) {
      offsets[i] = p;
      System.arraycopy(encoded[i], 0, file, p, encoded[i].length);
      p += encoded[i].length;
      file[p++] = (byte) 0xFF;
      file[p++] = (byte) 0xA5;
      file[p++] = (byte) 0x5A;
    }
    XorIterator it = new XorIterator();
    for (int pass = 0; pass < 2; pass++) {
      for (int i = all.length - 1; i >= 0; i--) {
        assertDecodes(it.reset(file, offsets[i], encoded[i].length), all[i]);
        assertBatchDecodes(it.reset(file, offsets[i], encoded[i].length), all[i], r);
      }
    }
    XorChunk view = XorChunk.wrap(file, offsets[3], encoded[3].length);
    assertThat(view.numSamples()).isEqualTo(120);
    assertThat(view.bytes()).isEqualTo(encoded[3]);
    assertThat(view).isEqualTo(XorChunk.wrap(encoded[3]));
  }

  @Test
  void encoderResetAndToChunk() {
    SplittableRandom r = new SplittableRandom(3);
    XorEncoder e = new XorEncoder(8);
    for (int round = 0; round < 50; round++) {
      Series s = series(r, round % KINDS, 1 + r.nextInt(200));
      e.reset();
      for (int i = 0; i < s.size(); i++) {
        e.append(s.ts[i], Double.longBitsToDouble(s.bits[i]));
      }
      XorChunk c = e.toChunk();
      assertThat(c.bytes()).isEqualTo(encode(s));
      assertThat(c.numSamples()).isEqualTo(s.size());
      assertThat(e.lastTimestamp()).isEqualTo(s.ts[s.size() - 1]);
      assertDecodes(c.iterator(null), s);
    }
  }

  @Test
  void bytesIsASnapshotWhileAppending() {
    XorEncoder e = new XorEncoder();
    e.append(1, 1);
    byte[] one = e.bytes();
    e.append(2, 2);
    assertThat(XorChunk.wrap(one).numSamples()).isEqualTo(1);
    assertThat(e.bytes()).hasSizeGreaterThan(0);
    assertThat(e.numSamples()).isEqualTo(2);
  }

  @Test
  void seekFollowsPrometheusSemantics() {
    XorEncoder e = new XorEncoder();
    for (int i = 0; i < 10; i++) {
      e.append(1000L * i, i);
    }
    XorIterator it = e.toChunk().iterator(null);
    assertThat(it.hasCurrent()).isFalse();
    assertThat(it.seek(-5)).isTrue(); // before the first sample: lands on it
    assertThat(it.timestamp()).isZero();
    assertThat(it.seek(2500)).isTrue();
    assertThat(it.timestamp()).isEqualTo(3000);
    assertThat(it.value()).isEqualTo(3.0);
    assertThat(it.seek(1000)).isTrue(); // never goes back
    assertThat(it.timestamp()).isEqualTo(3000);
    assertThat(it.seek(3000)).isTrue();
    assertThat(it.timestamp()).isEqualTo(3000);
    assertThat(it.next()).isTrue();
    assertThat(it.timestamp()).isEqualTo(4000);
    assertThat(it.seek(9000)).isTrue();
    assertThat(it.value()).isEqualTo(9.0);
    assertThat(it.seek(9001)).isFalse();
    assertThat(it.hasCurrent()).isFalse();
    assertThat(it.seek(0)).isFalse();
    assertThat(it.error()).isNull();
  }

  @Test
  void duplicateAndDecreasingTimestampsRoundTrip() {
    Series s = new Series(
        new long[] {100, 100, 50, 50, Long.MIN_VALUE / 2, Long.MAX_VALUE / 2, 0},
        new long[] {1, 2, 3, 4, 5, 6, 7});
    assertDecodes(XorChunk.wrap(encode(s)).iterator(null), s);
  }

  @Test
  void maxSamples() {
    XorEncoder e = new XorEncoder();
    for (int i = 0; i < XorEncoder.MAX_SAMPLES; i++) {
      e.append(15_000L * i, i % 7);
    }
    assertThatThrownBy(() -> e.append(Long.MAX_VALUE, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("65535");
    XorIterator it = e.toChunk().iterator(null);
    int n = 0;
    while (it.next()) {
      assertThat(it.timestamp()).isEqualTo(15_000L * n);
      n++;
    }
    assertThat(n).isEqualTo(65535);
    assertThat(it.error()).isNull();
  }

  @Test
  void chunkViewValidation() {
    assertThatThrownBy(() -> XorChunk.wrap(new byte[1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2-byte");
    assertThatThrownBy(() -> XorChunk.wrap(new byte[4], 3, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
    byte[] src = {9, 0, 0, 9};
    XorChunk copy = XorChunk.copyOf(src, 1, 2);
    src[1] = 5;
    assertThat(copy.numSamples()).isZero();
    assertThat(copy.iterator(null).next()).isFalse();
  }

  // ---- corrupt data ----

  @Test
  void everyTruncationEndsWithErrorAndNoMadeUpSample() {
    SplittableRandom r = new SplittableRandom(11);
    XorIterator it = new XorIterator();
    for (int round = 0; round < 120; round++) {
      Series s = series(r, round % KINDS, 1 + r.nextInt(130));
      byte[] full = encode(s);
      for (int cut = 0; cut < full.length; cut++) {
        // Decode a prefix of the full array: the bytes after the cut stay readable in the array,
        // and must still not be used.
        it.reset(full, 0, cut);
        int n = 0;
        while (it.next()) {
          assertThat(it.timestamp()).isEqualTo(s.ts[n]);
          assertThat(it.valueBits()).isEqualTo(s.bits[n]);
          n++;
        }
        if (cut < full.length - 1) {
          assertThat(it.error()).as("cut at %d of %d", cut, full.length).isNotNull();
          assertThat(n).isLessThan(s.size());
        } else if (it.error() == null) {
          // Dropping only the last byte is harmless when it is the bstream's trailing zero byte.
          assertThat(n).isEqualTo(s.size());
          assertThat(full[full.length - 1]).isZero();
        }
        String error = it.error();
        it.reset(full, 0, cut);
        long[] bts = new long[s.size() + 1];
        double[] bvs = new double[s.size() + 1];
        int b = 0;
        int k;
        while ((k = it.next(bts, bvs, b, Math.min(7, bts.length - b))) > 0) {
          b += k;
        }
        assertThat(b).isEqualTo(n);
        assertThat(it.error()).isEqualTo(error);
        // Also as an exact-size copy, where loads past the end hit the array's end.
        it.reset(Arrays.copyOf(full, cut), 0, cut);
        int m = 0;
        while (it.next()) {
          m++;
        }
        assertThat(m).isEqualTo(n);
      }
    }
  }

  @Test
  void truncationMessagesSayWhatWasRead() {
    XorIterator it = new XorIterator().reset(new byte[] {0, 5, (byte) 0x80}, 0, 3);
    assertThat(it.next()).isFalse();
    assertThat(it.error()).isEqualTo(
        "decode XOR chunk sample 1 of 5: data ends inside the first timestamp (chunk of 3 bytes)");
    it.reset(new byte[] {0}, 0, 1);
    assertThat(it.next()).isFalse();
    assertThat(it.error()).contains("shorter than its 2-byte sample count");
    it.reset(new byte[] {0, 0}, 0, 2);
    assertThat(it.next()).isFalse();
    assertThat(it.error()).isNull();
  }

  @Test
  void overlongVarintIsAnError() {
    byte[] b = new byte[30];
    b[1] = 1;
    Arrays.fill(b, 2, 13, (byte) 0xFF);
    XorIterator it = new XorIterator().reset(b, 0, b.length);
    assertThat(it.next()).isFalse();
    assertThat(it.error()).contains("overflows 64 bits");
  }

  @Test
  void impossibleValueWindowIsAnError() {
    // Sample 1 with a new window of 31 leading zeros and 63 significant bits (> 64 in total).
    byte[] b = HexFormat.parse("0002 00 3ff0000000000000 01");
    byte[] data = Arrays.copyOf(b, b.length + 12);
    // '1' '1' '11111' '111111' -> 0xFF 0xF8 ...
    data[b.length] = (byte) 0xFF;
    data[b.length + 1] = (byte) 0xF8;
    XorIterator it = new XorIterator().reset(data, 0, data.length);
    assertThat(it.next()).isTrue();
    assertThat(it.next()).isFalse();
    assertThat(it.error()).contains("exceeds 64 bits");
  }

  @Test
  void garbageNeverThrowsAndAlwaysEnds() {
    SplittableRandom r = new SplittableRandom(99);
    XorIterator it = new XorIterator();
    for (int round = 0; round < 20_000; round++) {
      byte[] g = new byte[r.nextInt(0, 300)];
      for (int i = 0; i < g.length; i++) {
        g[i] = (byte) r.nextInt(256);
      }
      int off = g.length == 0 ? 0 : r.nextInt(g.length);
      int len = g.length == 0 ? 0 : r.nextInt(g.length - off + 1);
      it.reset(g, off, len);
      int n = 0;
      while (it.next()) {
        n++;
      }
      assertThat(n).isLessThanOrEqualTo(len < 2 ? 0 : it.numSamples());
      assertThat(it.hasCurrent()).isFalse();
      if (len < 2) {
        assertThat(it.error()).isNotNull();
      }
    }
  }

  @Test
  void corruptedBitsInValidChunksNeverThrow() {
    SplittableRandom r = new SplittableRandom(5);
    XorIterator it = new XorIterator();
    for (int round = 0; round < 3000; round++) {
      byte[] b = encode(series(r, round % KINDS, 1 + r.nextInt(150)));
      for (int flips = 0; flips < 3; flips++) {
        int i = 2 + r.nextInt(b.length - 2);
        b[i] ^= (byte) (1 << r.nextInt(8));
      }
      it.reset(b, 0, b.length);
      int n = 0;
      while (it.next()) {
        n++;
      }
      assertThat(n).isLessThanOrEqualTo(it.numSamples());
      String error = it.error();
      it.reset(b, 0, b.length);
      long[] ts = new long[n + 5];
      double[] vs = new double[n + 5];
      assertThat(it.next(ts, vs, 0, ts.length)).isEqualTo(n);
      assertThat(it.error()).isEqualTo(error);
    }
  }

  private static final class HexFormat {
    static byte[] parse(String s) {
      return java.util.HexFormat.of().parseHex(s.replace(" ", ""));
    }
  }
}
