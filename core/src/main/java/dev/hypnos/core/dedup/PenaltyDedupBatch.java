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

  /**
   * One replica, read ahead in batches; {@code t[pos]} is its current sample while {@code ok}.
   * {@code t[len]} is {@link Long#MAX_VALUE}, a sentinel that ends every seek within the batch.
   */
  private static final class Replica {
    final ChunkIterator src;
    final long[] t = new long[IN_BATCH + 1];
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
      int n = src.next(t, v, 0, IN_BATCH);
      t[n] = Long.MAX_VALUE;
      len = n;
      pos = 0;
      return n > 0;
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
   * {@code off}; returns how many. Step for step {@link PenaltyDedupIterator#next()}: both
   * replicas seek past the last output timestamp plus their penalty, the earlier one (ties to
   * {@code a}) is output, and the other one's penalty becomes twice the interval just observed.
   * The replicas' positions, batches and corrections live in locals for the whole loop and go
   * back to their fields at the end.
   */
  private int merge(long[] ts, double[] vs, int off, int max) {
    Replica a = this.a;
    Replica b = this.b;
    final long[] at = a.t;
    final double[] av = a.v;
    final long[] bt = b.t;
    final double[] bv = b.v;
    int pa = a.pos;
    int la = a.len;
    int pb = b.pos;
    int lb = b.len;
    boolean aOk = a.ok;
    boolean bOk = b.ok;
    double adjA = a.adj;
    double adjB = b.adj;
    final boolean counter = this.counter;
    long lastT = this.lastT;
    long penA = this.penA;
    long penB = this.penB;
    boolean useA = this.useA;
    int n = 0;
    while (n < max) {
      // Fast paths for the steady state: the output stays on one replica while the other is only
      // kept past its penalty, and both have their next samples in their batches. Each iteration
      // is exactly one step of the general loop below for that case (the replica read has no
      // penalty, the other one's becomes twice the interval just observed, no switch, so no
      // counter correction); whatever else happens (a switch, a batch or a replica ending, the
      // first sample) leaves the positions as they were and goes to the general step. The
      // sentinel after each batch stops the seeks at its end.
      if (aOk && bOk && lastT != Long.MIN_VALUE) {
        if (useA) {
          while (n < max) {
            long t1 = lastT + 1;
            int qa = pa;
            while (at[qa] < t1) {
              qa++;
            }
            long t2 = t1 + penB;
            int qb = pb;
            while (bt[qb] < t2) {
              qb++;
            }
            if (qa == la || qb == lb) {
              break;
            }
            long ta = at[qa];
            if (ta > bt[qb]) {
              break;
            }
            pa = qa;
            pb = qb;
            penB = 2 * (ta - lastT);
            lastT = ta;
            ts[off + n] = ta;
            vs[off + n] = adjusted(av[qa], adjA);
            n++;
          }
        } else {
          while (n < max) {
            long t1 = lastT + 1;
            int qb = pb;
            while (bt[qb] < t1) {
              qb++;
            }
            long t2 = t1 + penA;
            int qa = pa;
            while (at[qa] < t2) {
              qa++;
            }
            if (qa == la || qb == lb) {
              break;
            }
            long tb = bt[qb];
            if (at[qa] <= tb) {
              break;
            }
            pa = qa;
            pb = qb;
            penA = 2 * (tb - lastT);
            lastT = tb;
            ts[off + n] = tb;
            vs[off + n] = adjusted(bv[qb], adjB);
            n++;
          }
        }
        if (n == max) {
          break;
        }
      }
      boolean lastUseA = useA;
      boolean lastValid = useA ? aOk : bOk;
      double lastValue = 0;
      if (counter && lastValid) {
        lastValue = useA ? adjusted(av[pa], adjA) : adjusted(bv[pb], adjB);
      }
      if (aOk) {
        long target = lastT + 1 + penA;
        while (at[pa] < target) {
          if (++pa == la) {
            if (!a.fill()) {
              aOk = false;
              break;
            }
            pa = 0;
            la = a.len;
          }
        }
      }
      if (bOk) {
        long target = lastT + 1 + penB;
        while (bt[pb] < target) {
          if (++pb == lb) {
            if (!b.fill()) {
              bOk = false;
              break;
            }
            pb = 0;
            lb = b.len;
          }
        }
      }
      if (!aOk) {
        useA = false;
        if (!bOk) {
          done = true;
          break;
        }
        lastT = bt[pb];
        penB = 0;
      } else if (!bOk) {
        useA = true;
        lastT = at[pa];
        penA = 0;
      } else {
        long ta = at[pa];
        long tb = bt[pb];
        useA = ta <= tb;
        if (useA) {
          penB = lastT != Long.MIN_VALUE ? 2 * (ta - lastT) : PenaltyDedupIterator.INITIAL_PENALTY;
          penA = 0;
          lastT = ta;
        } else {
          penA = lastT != Long.MIN_VALUE ? 2 * (tb - lastT) : PenaltyDedupIterator.INITIAL_PENALTY;
          penB = 0;
          lastT = tb;
        }
      }
      if (counter && useA != lastUseA && lastValid) {
        if (aOk) {
          double x = adjusted(av[pa], adjA);
          if (lastValue > x) {
            adjA += lastValue - x;
          }
        }
        if (bOk) {
          double x = adjusted(bv[pb], adjB);
          if (lastValue > x) {
            adjB += lastValue - x;
          }
        }
      }
      ts[off + n] = lastT;
      vs[off + n] = useA ? adjusted(av[pa], adjA) : adjusted(bv[pb], adjB);
      n++;
    }
    a.pos = pa;
    a.ok = aOk;
    a.adj = adjA;
    b.pos = pb;
    b.ok = bOk;
    b.adj = adjB;
    this.lastT = lastT;
    this.penA = penA;
    this.penB = penB;
    this.useA = useA;
    return n;
  }

  /** A value plus its counter correction; untouched (a stale marker keeps its bits) without one. */
  private static double adjusted(double x, double adj) {
    return adj != 0 ? x + adj : x;
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
