package dev.hypnos.core.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Postings operations against naive set arithmetic on random sets. */
class PostingsTest {
  private static final SplittableRandom SEEDS = new SplittableRandom(20261126);

  private static TreeSet<Long> randomSet(SplittableRandom r) {
    TreeSet<Long> s = new TreeSet<>();
    int n = r.nextInt(4) == 0 ? 0 : r.nextInt(300);
    int range = 1 + r.nextInt(2000);
    for (int i = 0; i < n; i++) {
      s.add((long) r.nextInt(range));
    }
    return s;
  }

  private static long[] arr(TreeSet<Long> s) {
    return s.stream().mapToLong(Long::longValue).toArray();
  }

  /** Alternates between the list and big-endian implementations. */
  private static Postings postings(TreeSet<Long> s, boolean bigEndian) {
    long[] a = arr(s);
    if (!bigEndian) {
      return Postings.of(a);
    }
    ByteBuffer b = ByteBuffer.allocate(a.length * 4);
    for (int i = 0; i < a.length; i++) {
      b.putInt(i * 4, (int) a[i]);
    }
    return Postings.bigEndian32(b, a.length);
  }

  private static List<Postings> all(List<TreeSet<Long>> sets, SplittableRandom r) {
    List<Postings> out = new ArrayList<>();
    for (TreeSet<Long> s : sets) {
      out.add(postings(s, r.nextBoolean()));
    }
    return out;
  }

  @RepeatedTest(200)
  void intersectMergeWithoutMatchNaiveSets() {
    SplittableRandom r = SEEDS.split();
    int k = 1 + r.nextInt(4);
    List<TreeSet<Long>> sets = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      sets.add(randomSet(r));
    }
    TreeSet<Long> inter = new TreeSet<>(sets.get(0));
    TreeSet<Long> union = new TreeSet<>();
    for (TreeSet<Long> s : sets) {
      inter.retainAll(s);
      union.addAll(s);
    }
    TreeSet<Long> diff = new TreeSet<>(sets.get(0));
    if (k > 1) {
      diff.removeAll(sets.get(1));
    }

    assertThat(Postings.toArray(Postings.intersect(all(sets, r)))).containsExactly(arr(inter));
    assertThat(Postings.toArray(Postings.merge(all(sets, r)))).containsExactly(arr(union));
    Postings drop = k > 1 ? postings(sets.get(1), r.nextBoolean()) : Postings.EMPTY;
    assertThat(Postings.toArray(Postings.without(postings(sets.get(0), r.nextBoolean()), drop)))
        .containsExactly(arr(diff));

    // Interleaved seek/next against the naive sets.
    checkSeeks(inter, () -> Postings.intersect(all(sets, r)), r);
    checkSeeks(union, () -> Postings.merge(all(sets, r)), r);
    checkSeeks(diff, () -> Postings.without(postings(sets.get(0), r.nextBoolean()),
        k > 1 ? postings(sets.get(1), r.nextBoolean()) : Postings.EMPTY), r);
    for (TreeSet<Long> s : sets) {
      checkSeeks(s, () -> postings(s, r.nextBoolean()), r);
    }
  }

  private static void checkSeeks(TreeSet<Long> expected, java.util.function.Supplier<Postings> make, SplittableRandom r) {
    Postings p = make.get();
    Long cur = null; // naive position; null = not started
    for (int step = 0; step < 60; step++) {
      if (r.nextBoolean()) {
        Long want = cur == null ? (expected.isEmpty() ? null : expected.first()) : expected.higher(cur);
        boolean got = p.next();
        assertThat(got).as("next after %s", cur).isEqualTo(want != null);
        if (want == null) {
          return;
        }
        assertThat(p.at()).isEqualTo(want);
        cur = want;
      } else {
        long target = r.nextInt(2100) - 50;
        Long want;
        if (cur != null && cur >= target) {
          want = cur;
        } else {
          want = expected.ceiling(target);
        }
        boolean got = p.seek(target);
        assertThat(got).as("seek %d from %s", target, cur).isEqualTo(want != null);
        if (want == null) {
          return;
        }
        assertThat(p.at()).isEqualTo(want);
        cur = want;
      }
    }
  }

  @Test
  void exhaustedPostingsStayExhausted() {
    for (Function<long[], Postings> f : List.<Function<long[], Postings>>of(
        Postings::of,
        a -> Postings.merge(Postings.of(a), Postings.of(a)),
        a -> Postings.intersect(Postings.of(a), Postings.of(a)))) {
      Postings p = f.apply(new long[] {1, 5});
      assertThat(p.next()).isTrue();
      assertThat(p.seek(6)).isFalse();
      assertThat(p.next()).isFalse();
      assertThat(p.seek(0)).isFalse();
    }
  }

  @Test
  void emptyAndDegenerateCases() {
    assertThat(Postings.EMPTY.next()).isFalse();
    assertThat(Postings.intersect()).isSameAs(Postings.EMPTY);
    assertThat(Postings.merge()).isSameAs(Postings.EMPTY);
    assertThat(Postings.intersect(Postings.of(1, 2), Postings.EMPTY)).isSameAs(Postings.EMPTY);
    assertThat(Postings.toArray(Postings.merge(Postings.EMPTY, Postings.of(3)))).containsExactly(3);
    assertThat(Postings.count(Postings.of(1, 2, 3))).isEqualTo(3);
    assertThatThrownBy(() -> Postings.of(2, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Postings.of(1, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void bigEndianReadsUnsigned32BitReferences() {
    ByteBuffer b = ByteBuffer.allocate(8).putInt(0, 7).putInt(4, 0xFFFF_FFF0);
    Postings p = Postings.bigEndian32(b, 2);
    assertThat(Postings.toArray(p)).containsExactly(7, 0xFFFF_FFF0L);
  }
}
