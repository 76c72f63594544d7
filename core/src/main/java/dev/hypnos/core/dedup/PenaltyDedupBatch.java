package dev.hypnos.core.dedup;

import dev.hypnos.core.chunk.ChunkIterator;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The penalty algorithm of {@link PenaltyDedupIterator} for exactly two replicas, run over
 * primitive arrays: each replica is read in batches ({@link ChunkIterator#next(long[], double[],
 * int, int)}, one call per batch), and the merge writes its output a batch at a time, so the
 * per-sample work is array indexing and comparisons in one loop with no interface calls. Same
 * samples and values as {@code PenaltyDedupIterator} over the same two replicas, counter
 * correction included; unlike it, a value is never touched while no correction applies (a stale
 * marker keeps its bits).
 *
 * <p>Concurrency: not thread-safe.
 */
final class PenaltyDedupBatch implements ChunkIterator {
  private static final int IN_BATCH = 128;
  private static final int OUT_BATCH = 128;

  /** One replica, read ahead in batches; {@code t[pos]} is its current sample while {@code ok}. */
  private static final class Replica {
    final ChunkIterator src;
    final long[] t = new long[IN_BATCH];
    final double[] v = new double[IN_BATCH];
    int pos;
    int len;
    boolean ok;
    /** Counter correction added to every value from here on. */
    double adj;

    Replica(ChunkIterator src) {
      this.src = src;
      this.ok = fill();
    }

    boolean fill() {
      len = src.next(t, v, 0, IN_BATCH);
      pos = 0;
      return len > 0;
    }

    /** Moves to the first sample at or after {@code target}; false (and done) when there is none. */
    boolean seek(long target) {
      long[] tt = t;
      int p = pos;
      while (tt[p] < target) {
        if (++p == len) {
          if (!fill()) {
            ok = false;
            return false;
          }
          tt = t;
          p = 0;
        }
      }
      pos = p;
      return true;
    }

    double value() {
      double x = v[pos];
      return adj != 0 ? x + adj : x;
    }

    void adjustAtValue(double lastValue) {
      double x = value();
      if (lastValue > x) {
        adj += lastValue - x;
      }
    }
  }

  private final Replica a;
  private final Replica b;
  private final boolean counter;
  private long lastT = Long.MIN_VALUE;
  private long penA;
  private long penB;
  private boolean useA = true;
  private boolean done;
  private final long[] outT = new long[OUT_BATCH];
  private final double[] outV = new double[OUT_BATCH];
  private int outPos = -1;
  private int outLen;

  PenaltyDedupBatch(ChunkIterator a, ChunkIterator b, boolean counter) {
    this.a = new Replica(Objects.requireNonNull(a, "replica a"));
    this.b = new Replica(Objects.requireNonNull(b, "replica b"));
    this.counter = counter;
  }

  /**
   * Runs the penalty merge for up to {@code max} output samples into {@code ts}/{@code vs} from
   * {@code off}; returns how many. Step for step {@link PenaltyDedupIterator#next()}.
   */
  private int merge(long[] ts, double[] vs, int off, int max) {
    Replica a = this.a;
    Replica b = this.b;
    long lastT = this.lastT;
    long penA = this.penA;
    long penB = this.penB;
    boolean useA = this.useA;
    int n = 0;
    while (n < max) {
      boolean lastUseA = useA;
      boolean lastValid = useA ? a.ok : b.ok;
      double lastValue = counter && lastValid ? (useA ? a.value() : b.value()) : 0;
      if (a.ok) {
        a.seek(lastT + 1 + penA);
      }
      if (b.ok) {
        b.seek(lastT + 1 + penB);
      }
      Replica out;
      if (!a.ok) {
        useA = false;
        if (!b.ok) {
          done = true;
          break;
        }
        out = b;
        lastT = b.t[b.pos];
        penB = 0;
      } else if (!b.ok) {
        useA = true;
        out = a;
        lastT = a.t[a.pos];
        penA = 0;
      } else {
        long ta = a.t[a.pos];
        long tb = b.t[b.pos];
        useA = ta <= tb;
        if (useA) {
          penB = lastT != Long.MIN_VALUE ? 2 * (ta - lastT) : PenaltyDedupIterator.INITIAL_PENALTY;
          penA = 0;
          lastT = ta;
          out = a;
        } else {
          penA = lastT != Long.MIN_VALUE ? 2 * (tb - lastT) : PenaltyDedupIterator.INITIAL_PENALTY;
          penB = 0;
          lastT = tb;
          out = b;
        }
      }
      if (counter && useA != lastUseA && lastValid) {
        if (a.ok) {
          a.adjustAtValue(lastValue);
        }
        if (b.ok) {
          b.adjustAtValue(lastValue);
        }
      }
      ts[off + n] = lastT;
      vs[off + n] = out.value();
      n++;
    }
    this.lastT = lastT;
    this.penA = penA;
    this.penB = penB;
    this.useA = useA;
    return n;
  }

  @Override
  public boolean next() {
    if (++outPos < outLen) {
      return true;
    }
    if (done) {
      outPos = outLen;
      return false;
    }
    outLen = merge(outT, outV, 0, OUT_BATCH);
    outPos = 0;
    return outLen > 0;
  }

  @Override
  public int next(long[] ts, double[] values, int off, int max) {
    Objects.checkFromIndexSize(off, max, ts.length);
    Objects.checkFromIndexSize(off, max, values.length);
    int n = 0;
    // First what is left of the current output batch, then straight into the caller's arrays.
    int buffered = Math.min(max, outLen - outPos - 1);
    if (buffered > 0) {
      System.arraycopy(outT, outPos + 1, ts, off, buffered);
      System.arraycopy(outV, outPos + 1, values, off, buffered);
      outPos += buffered;
      n = buffered;
    }
    if (n < max && !done) {
      int m = merge(ts, values, off + n, max - n);
      n += m;
      if (m > 0) {
        // The current sample is the last one written.
        outT[0] = ts[off + n - 1];
        outV[0] = values[off + n - 1];
        outPos = 0;
        outLen = 1;
      }
    }
    if (n == 0 && max > 0) {
      outPos = outLen;
    }
    return n;
  }

  @Override
  public boolean seek(long t) {
    while (!hasCurrent() || timestamp() < t) {
      if (!next()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean hasCurrent() {
    return outPos >= 0 && outPos < outLen;
  }

  @Override
  public long timestamp() {
    return outT[outPos];
  }

  @Override
  public double value() {
    return outV[outPos];
  }

  @Override
  public @Nullable String error() {
    String e = a.src.error();
    return e != null ? e : b.src.error();
  }
}
