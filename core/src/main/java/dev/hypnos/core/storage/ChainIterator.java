package dev.hypnos.core.storage;

import dev.hypnos.core.chunk.ChunkIterator;
import org.jspecify.annotations.Nullable;

/**
 * Merges sample iterators by timestamp. Where several inputs have a sample at the same
 * timestamp, the one from the input listed first is kept and the others are skipped (Prometheus's
 * chained series merge).
 *
 * <p>Two inputs (an HA pair, two overlapping blocks) are read in batches ({@link
 * ChunkIterator#next(long[], double[], int, int)}) and merged by a loop over arrays that writes
 * its output a batch at a time; more inputs are stepped one sample at a time.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class ChainIterator implements ChunkIterator {
  private static final int BATCH = 128;

  private final ChunkIterator[] inputs;
  /** Whether input i is positioned on a sample not yet emitted. */
  private final boolean[] live;
  private boolean initialised;
  private int cur = -1;
  private long t;
  private double v;
  private @Nullable String error;

  /** The two-input merge, or null for any other number of inputs. */
  private final @Nullable Pair pair;

  public ChainIterator(ChunkIterator... inputs) {
    this.inputs = inputs.clone();
    this.live = new boolean[inputs.length];
    this.pair = inputs.length == 2 ? new Pair() : null;
  }

  /**
   * Both inputs buffered a batch at a time ({@code xt[xp..xl)} are input x's samples not yet
   * merged; {@code xt[xl]} is a sentinel) and the merged output a batch at a time.
   */
  private final class Pair {
    final long[] at = new long[BATCH + 1];
    final double[] av = new double[BATCH];
    final long[] bt = new long[BATCH + 1];
    final double[] bv = new double[BATCH];
    int pa;
    int la;
    int pb;
    int lb;
    /** Whether input a (b) may have samples beyond its batch. */
    boolean aMore = true;
    boolean bMore = true;
    /**
     * The output batch, {@code outT[outPos]} the current sample while {@code outPos < outLen};
     * after the end {@code outLen} is 0 and {@code outT[0]} keeps the last sample (as the loop
     * over inputs keeps it), which batch reads rely on.
     */
    final long[] outT = new long[BATCH];
    final double[] outV = new double[BATCH];
    int outPos;
    int outLen;
    boolean ended;

    /** Refills input i's batch (i = 0 for a, 1 for b); false when it has no more samples. */
    boolean fill(int i) {
      long[] t = i == 0 ? at : bt;
      double[] v = i == 0 ? av : bv;
      int n = inputs[i].next(t, v, 0, BATCH);
      t[n] = Long.MAX_VALUE;
      if (i == 0) {
        pa = 0;
        la = n;
      } else {
        pb = 0;
        lb = n;
      }
      if (n == 0) {
        String e = inputs[i].error();
        if (e != null && error == null) {
          error = e;
        }
        return false;
      }
      return true;
    }

    /**
     * Merges up to a batch of samples into {@code outT/outV}; returns how many. Per output sample
     * the same as the loop over inputs: the earlier timestamp wins, on equal timestamps input a's
     * sample is kept and b's is skipped.
     */
    int merge() {
      long[] at = this.at;
      long[] bt = this.bt;
      double[] av = this.av;
      double[] bv = this.bv;
      long[] outT = this.outT;
      double[] outV = this.outV;
      int n = 0;
      while (n < BATCH) {
        if (pa == la && aMore) {
          aMore = fill(0);
        }
        if (pb == lb && bMore) {
          bMore = fill(1);
        }
        boolean aHas = pa < la;
        boolean bHas = pb < lb;
        if (aHas && bHas) {
          int pa = this.pa;
          int pb = this.pb;
          int la = this.la;
          int lb = this.lb;
          while (n < BATCH && pa < la && pb < lb) {
            long ta = at[pa];
            long tb = bt[pb];
            if (ta <= tb) {
              outT[n] = ta;
              outV[n] = av[pa];
              pa++;
              if (ta == tb) {
                pb++;
              }
            } else {
              outT[n] = tb;
              outV[n] = bv[pb];
              pb++;
            }
            n++;
          }
          this.pa = pa;
          this.pb = pb;
        } else if (aHas) {
          int k = Math.min(la - pa, BATCH - n);
          System.arraycopy(at, pa, outT, n, k);
          System.arraycopy(av, pa, outV, n, k);
          pa += k;
          n += k;
        } else if (bHas) {
          int k = Math.min(lb - pb, BATCH - n);
          System.arraycopy(bt, pb, outT, n, k);
          System.arraycopy(bv, pb, outV, n, k);
          pb += k;
          n += k;
        } else {
          ended = true;
          break;
        }
      }
      return n;
    }

    boolean next() {
      if (++outPos < outLen) {
        return true;
      }
      int last = outLen - 1;
      long lastT = last >= 0 ? outT[last] : 0;
      double lastV = last >= 0 ? outV[last] : 0;
      int n = ended ? 0 : merge();
      outPos = 0;
      outLen = n;
      if (n > 0) {
        return true;
      }
      if (last >= 0) {
        outT[0] = lastT;
        outV[0] = lastV;
      }
      return false;
    }
  }

  @Override
  public boolean next() {
    Pair p = pair;
    if (p != null) {
      return p.next();
    }
    if (!initialised) {
      initialised = true;
      for (int i = 0; i < inputs.length; i++) {
        live[i] = advance(i);
      }
    } else if (cur >= 0) {
      // Drop every input's sample at the emitted timestamp.
      for (int i = 0; i < inputs.length; i++) {
        if (live[i] && inputs[i].timestamp() == t) {
          live[i] = advance(i);
        }
      }
    }
    int best = -1;
    long bt = Long.MAX_VALUE;
    for (int i = 0; i < inputs.length; i++) {
      if (live[i]) {
        long ti = inputs[i].timestamp();
        if (best < 0 || ti < bt) {
          best = i;
          bt = ti;
        }
      }
    }
    if (best < 0) {
      cur = -2;
      return false;
    }
    cur = best;
    t = bt;
    v = inputs[best].value();
    return true;
  }

  private boolean advance(int i) {
    if (inputs[i].next()) {
      return true;
    }
    String e = inputs[i].error();
    if (e != null && error == null) {
      error = e;
    }
    return false;
  }

  @Override
  public boolean hasCurrent() {
    Pair p = pair;
    if (p != null) {
      return p.outPos < p.outLen;
    }
    return cur >= 0;
  }

  @Override
  public long timestamp() {
    Pair p = pair;
    return p != null ? p.outT[p.outPos] : t;
  }

  @Override
  public double value() {
    Pair p = pair;
    return p != null ? p.outV[p.outPos] : v;
  }

  @Override
  public @Nullable String error() {
    return error;
  }
}
