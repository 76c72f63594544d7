package dev.hypnos.promql.engine;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * An immutable list of float points over primitive arrays: a range query's result series holds
 * its points this way instead of one object per point; {@link #get} makes the point on demand.
 */
final class FPointList extends AbstractList<FPoint> implements RandomAccess {
  private final long[] t;
  private final double[] v;
  private final int n;

  /** Takes ownership of the arrays; the first {@code n} entries are the points. */
  FPointList(long[] t, double[] v, int n) {
    if (n < 0 || n > t.length || n > v.length) {
      throw new IllegalArgumentException("point count " + n + " outside the arrays");
    }
    this.t = t;
    this.v = v;
    this.n = n;
  }

  @Override
  public FPoint get(int i) {
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("point " + i + " of " + n);
    }
    return new FPoint(t[i], v[i]);
  }

  @Override
  public int size() {
    return n;
  }

  long timestamp(int i) {
    return t[i];
  }

  double value(int i) {
    return v[i];
  }
}
