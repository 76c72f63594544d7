package dev.hypnos.core.storage;

import dev.hypnos.core.chunk.ChunkIterator;
import org.jspecify.annotations.Nullable;

/**
 * Merges sample iterators by timestamp. Where several inputs have a sample at the same
 * timestamp, the one from the input listed first is kept and the others are skipped (Prometheus's
 * chained series merge).
 *
 * <p>Concurrency: not thread-safe.
 */
public final class ChainIterator implements ChunkIterator {
  private final ChunkIterator[] inputs;
  /** Whether input i is positioned on a sample not yet emitted. */
  private final boolean[] live;
  private boolean initialised;
  private int cur = -1;
  private long t;
  private double v;
  private @Nullable String error;

  public ChainIterator(ChunkIterator... inputs) {
    this.inputs = inputs.clone();
    this.live = new boolean[inputs.length];
  }

  @Override
  public boolean next() {
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
    return cur >= 0;
  }

  @Override
  public long timestamp() {
    return t;
  }

  @Override
  public double value() {
    return v;
  }

  @Override
  public @Nullable String error() {
    return error;
  }
}
