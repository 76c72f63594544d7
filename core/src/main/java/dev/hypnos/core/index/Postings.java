package dev.hypnos.core.index;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * A primitive pull iterator over a strictly increasing list of series references.
 *
 * <p>Usage: {@code while (p.next()) { long ref = p.at(); }}. {@link #seek} moves forward to the
 * first reference at or after a target and never moves backwards. Once {@code next} or {@code seek}
 * returned false the iterator is exhausted and stays so. {@link #at} is only meaningful after a call
 * that returned true.
 *
 * <p>Concurrency: not thread-safe.
 */
public interface Postings {
  /** Advances to the next reference; false when there is none. */
  boolean next();

  /**
   * Advances to the first reference {@code >= v}. If the current reference already qualifies, stays
   * on it. False when no such reference exists.
   */
  boolean seek(long v);

  /** The current reference. */
  long at();

  /** The empty list. */
  Postings EMPTY =
      new Postings() {
        @Override
        public boolean next() {
          return false;
        }

        @Override
        public boolean seek(long v) {
          return false;
        }

        @Override
        public long at() {
          throw new IllegalStateException("empty postings have no current reference");
        }

        @Override
        public String toString() {
          return "Postings.EMPTY";
        }
      };

  /** Postings over an ascending array of references; the array is not copied. */
  static Postings of(long... sortedRefs) {
    for (int i = 1; i < sortedRefs.length; i++) {
      if (sortedRefs[i] <= sortedRefs[i - 1]) {
        throw new IllegalArgumentException(
            "postings must be strictly increasing, got " + sortedRefs[i - 1] + " then " + sortedRefs[i] + " at " + i);
      }
    }
    return sortedRefs.length == 0 ? EMPTY : new ListPostings(sortedRefs, sortedRefs.length);
  }

  /**
   * Postings over {@code count} big-endian unsigned 32-bit references stored in {@code buf} from
   * its index 0, as in a TSDB index postings list. The caller checked the list's checksum and
   * guarantees ascending order.
   */
  static Postings bigEndian32(ByteBuffer buf, int count) {
    return count == 0 ? EMPTY : new BigEndianPostings(buf, count);
  }

  /** References present in every one of {@code ps}. Empty for no arguments. */
  static Postings intersect(Postings... ps) {
    if (ps.length == 0) {
      return EMPTY;
    }
    for (Postings p : ps) {
      if (p == EMPTY) {
        return EMPTY;
      }
    }
    return ps.length == 1 ? ps[0] : new IntersectPostings(ps.clone());
  }

  static Postings intersect(List<Postings> ps) {
    return intersect(ps.toArray(new Postings[0]));
  }

  /** References present in at least one of {@code ps} (union), without duplicates. */
  static Postings merge(Postings... ps) {
    Postings[] nonEmpty = Arrays.stream(ps).filter(p -> p != EMPTY).toArray(Postings[]::new);
    if (nonEmpty.length == 0) {
      return EMPTY;
    }
    return nonEmpty.length == 1 ? nonEmpty[0] : new MergePostings(nonEmpty);
  }

  static Postings merge(List<Postings> ps) {
    return merge(ps.toArray(new Postings[0]));
  }

  /** References in {@code full} that are not in {@code drop}. */
  static Postings without(Postings full, Postings drop) {
    if (full == EMPTY) {
      return EMPTY;
    }
    if (drop == EMPTY) {
      return full;
    }
    return new WithoutPostings(full, drop);
  }

  /** Drains {@code p} into an array. */
  static long[] toArray(Postings p) {
    long[] out = new long[16];
    int n = 0;
    while (p.next()) {
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = p.at();
    }
    return Arrays.copyOf(out, n);
  }

  /** Drains {@code p}, counting its references. */
  static long count(Postings p) {
    long n = 0;
    while (p.next()) {
      n++;
    }
    return n;
  }
}

final class ListPostings implements Postings {
  private final long[] refs;
  private final int n;
  private int idx = -1;

  ListPostings(long[] refs, int n) {
    this.refs = refs;
    this.n = n;
  }

  @Override
  public boolean next() {
    if (idx < n) {
      idx++;
    }
    return idx < n;
  }

  @Override
  public boolean seek(long v) {
    if (idx >= n) {
      return false;
    }
    int from = Math.max(idx, 0);
    if (refs[from] >= v) {
      idx = from;
      return true;
    }
    int lo = from + 1;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (refs[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    idx = lo;
    return idx < n;
  }

  @Override
  public long at() {
    return refs[idx];
  }
}

final class BigEndianPostings implements Postings {
  private final ByteBuffer buf;
  private final int n;
  private int idx = -1;

  BigEndianPostings(ByteBuffer buf, int n) {
    this.buf = buf;
    this.n = n;
  }

  private long ref(int i) {
    return buf.getInt(i << 2) & 0xFFFF_FFFFL;
  }

  @Override
  public boolean next() {
    if (idx < n) {
      idx++;
    }
    return idx < n;
  }

  @Override
  public boolean seek(long v) {
    if (idx >= n) {
      return false;
    }
    int from = Math.max(idx, 0);
    if (ref(from) >= v) {
      idx = from;
      return true;
    }
    int lo = from + 1;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ref(mid) < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    idx = lo;
    return idx < n;
  }

  @Override
  public long at() {
    return ref(idx);
  }
}

final class IntersectPostings implements Postings {
  private final Postings[] ps;
  private long cur = -1;
  private boolean done;

  IntersectPostings(Postings[] ps) {
    this.ps = ps;
  }

  @Override
  public boolean next() {
    if (done) {
      return false;
    }
    if (!ps[0].next()) {
      done = true;
      return false;
    }
    return align(ps[0].at());
  }

  @Override
  public boolean seek(long v) {
    if (done) {
      return false;
    }
    return align(v);
  }

  /** Moves every list to the smallest common reference {@code >= target}. */
  private boolean align(long target) {
    outer:
    while (true) {
      for (Postings p : ps) {
        if (!p.seek(target)) {
          done = true;
          return false;
        }
        long at = p.at();
        if (at > target) {
          target = at;
          continue outer;
        }
      }
      cur = target;
      return true;
    }
  }

  @Override
  public long at() {
    return cur;
  }
}

/** Union by a binary min-heap of the lists keyed on their current reference. */
final class MergePostings implements Postings {
  private final Postings[] all;
  private final Postings[] heap;
  private int size;
  private boolean started;
  private boolean done;
  private long cur = -1;

  MergePostings(Postings[] ps) {
    this.all = ps;
    this.heap = new Postings[ps.length];
  }

  @Override
  public boolean next() {
    if (done) {
      return false;
    }
    if (!started) {
      started = true;
      for (Postings p : all) {
        if (p.next()) {
          heap[size++] = p;
        }
      }
      heapify();
    } else {
      while (size > 0 && heap[0].at() == cur) {
        if (heap[0].next()) {
          siftDown(0);
        } else {
          removeTop();
        }
      }
    }
    return settle();
  }

  @Override
  public boolean seek(long v) {
    if (done) {
      return false;
    }
    if (started && cur >= v) {
      return true;
    }
    if (!started) {
      started = true;
      for (Postings p : all) {
        if (p.seek(v)) {
          heap[size++] = p;
        }
      }
      heapify();
    } else {
      while (size > 0 && heap[0].at() < v) {
        if (heap[0].seek(v)) {
          siftDown(0);
        } else {
          removeTop();
        }
      }
    }
    return settle();
  }

  private boolean settle() {
    if (size == 0) {
      done = true;
      return false;
    }
    cur = heap[0].at();
    return true;
  }

  @Override
  public long at() {
    return cur;
  }

  private void heapify() {
    for (int i = size / 2 - 1; i >= 0; i--) {
      siftDown(i);
    }
  }

  private void removeTop() {
    heap[0] = heap[--size];
    heap[size] = null;
    if (size > 0) {
      siftDown(0);
    }
  }

  private void siftDown(int i) {
    Postings x = heap[i];
    long key = x.at();
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) {
        break;
      }
      int r = l + 1;
      int c = (r < size && heap[r].at() < heap[l].at()) ? r : l;
      if (heap[c].at() >= key) {
        break;
      }
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = x;
  }
}

final class WithoutPostings implements Postings {
  private final Postings full;
  private final Postings drop;
  private boolean dropStarted;
  private boolean dropDone;

  WithoutPostings(Postings full, Postings drop) {
    this.full = full;
    this.drop = drop;
  }

  @Override
  public boolean next() {
    while (full.next()) {
      if (!dropped(full.at())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean seek(long v) {
    if (!full.seek(v)) {
      return false;
    }
    if (!dropped(full.at())) {
      return true;
    }
    return next();
  }

  private boolean dropped(long ref) {
    if (dropDone) {
      return false;
    }
    if (!dropStarted || drop.at() < ref) {
      dropStarted = true;
      if (!drop.seek(ref)) {
        dropDone = true;
        return false;
      }
    }
    return drop.at() == ref;
  }

  @Override
  public long at() {
    return full.at();
  }
}
