package dev.hypnos.bench;

import dev.hypnos.core.chunk.XorEncoder;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Deterministic realistic sample data for chunk benchmarks: {@link #CHUNKS} series of
 * {@link #SAMPLES_PER_CHUNK} samples each, one chunk per series, in the shape named by a
 * {@link Shape}. Run {@code main} to print bytes per sample for every shape.
 */
public final class ChunkData {
  public static final int CHUNKS = 1000;
  public static final int SAMPLES_PER_CHUNK = 120;
  public static final int TOTAL_SAMPLES = CHUNKS * SAMPLES_PER_CHUNK;

  /** Data shapes; the {@code _regular} ones have an exact 15 s cadence, the others jitter. */
  public enum Shape {
    /** Counter (integer increments, occasional reset), exact 15 s cadence. */
    counter_regular,
    /** Integer-valued gauge random walk (memory-bytes-like), exact 15 s cadence. */
    gauge_regular,
    /** Histogram bucket counter: rare small increments, exact 15 s cadence. */
    bucket_regular,
    /** Counter with scrape jitter of up to +-25 ms. */
    counter_jitter,
    /** Decimal gauge (two decimals, e.g. latency or temperature) with scrape jitter. */
    gauge_jitter,
    /** Histogram bucket counter with scrape jitter. */
    bucket_jitter;

    public boolean jitter() {
      return name().endsWith("_jitter");
    }
  }

  /** Timestamps, {@code [chunk][sample]}. */
  public final long[][] ts;
  /** Values, {@code [chunk][sample]}. */
  public final double[][] vs;
  /** All encoded chunks laid out back to back, like a segment file. */
  public final byte[] segment;
  public final int[] offsets;
  public final int[] lengths;

  public ChunkData(Shape shape) {
    SplittableRandom r = new SplittableRandom(0x5EED + shape.ordinal());
    ts = new long[CHUNKS][SAMPLES_PER_CHUNK];
    vs = new double[CHUNKS][SAMPLES_PER_CHUNK];
    for (int c = 0; c < CHUNKS; c++) {
      long grid = 1_700_000_000_000L + r.nextLong(15_000);
      double v = switch (shape) {
        case gauge_regular -> 4096.0 * r.nextInt(100_000, 1_000_000);
        case gauge_jitter -> r.nextInt(1000, 50_000) / 100.0;
        default -> r.nextInt(1_000_000);
      };
      for (int i = 0; i < SAMPLES_PER_CHUNK; i++) {
        grid += 15_000;
        ts[c][i] = shape.jitter() ? grid + r.nextInt(-25, 26) : grid;
        v = switch (shape) {
          case counter_regular, counter_jitter ->
              r.nextInt(500) == 0 ? r.nextInt(100) : v + r.nextInt(0, 500);
          case gauge_regular -> Math.max(0, v + 4096.0 * r.nextInt(-300, 301));
          case gauge_jitter -> Math.max(0, Math.round(v * 100 + r.nextInt(-500, 501)) / 100.0);
          case bucket_regular, bucket_jitter -> r.nextInt(10) < 3 ? v + r.nextInt(1, 4) : v;
        };
        vs[c][i] = v;
      }
    }
    XorEncoder e = new XorEncoder();
    byte[][] enc = new byte[CHUNKS][];
    int total = 0;
    for (int c = 0; c < CHUNKS; c++) {
      e.reset();
      for (int i = 0; i < SAMPLES_PER_CHUNK; i++) {
        e.append(ts[c][i], vs[c][i]);
      }
      enc[c] = e.bytes();
      total += enc[c].length;
    }
    segment = new byte[total];
    offsets = new int[CHUNKS];
    lengths = new int[CHUNKS];
    int p = 0;
    for (int c = 0; c < CHUNKS; c++) {
      offsets[c] = p;
      lengths[c] = enc[c].length;
      System.arraycopy(enc[c], 0, segment, p, enc[c].length);
      p += enc[c].length;
    }
  }

  /** Encoded bytes per sample, chunk headers included. */
  public double bytesPerSample() {
    return (double) segment.length / TOTAL_SAMPLES;
  }

  /** Prints bytes per sample for every shape. */
  public static void main(String[] args) {
    for (Shape s : Shape.values()) {
      System.out.printf(Locale.ROOT, "%-16s %.3f bytes/sample%n", s, new ChunkData(s).bytesPerSample());
    }
  }
}
