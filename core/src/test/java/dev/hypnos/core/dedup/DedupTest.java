package dev.hypnos.core.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.SeriesSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DedupTest {
  /** Samples as "t=v" strings, for readable assertions. */
  static List<String> drain(ChunkIterator it) {
    List<String> out = new ArrayList<>();
    while (it.next()) {
      out.add(it.timestamp() + "=" + (long) it.value());
    }
    return out;
  }

  static ChunkIterator series(long[] t, double[] v) {
    MemoryStorage st = new MemoryStorage();
    Labels l = Labels.of("__name__", "x");
    for (int i = 0; i < t.length; i++) {
      st.append(l, t[i], v[i]);
    }
    try {
      SeriesSet s = st.querier(Long.MIN_VALUE, Long.MAX_VALUE).select(SelectHints.range(Long.MIN_VALUE, Long.MAX_VALUE),
          List.of(Matcher.eq("__name__", "x")));
      s.next();
      return s.at().iterator();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void staysOnOneReplicaAndSwitchesOnlyAcrossAGap() {
    // Replica a scrapes at 10s+0, b at 10s+5000ms; a stops at 50s, b goes on. After a's last
    // sample b is looked at only from 50s + 1ms + 2 x 10s on: b@55s and b@65s are skipped.
    ChunkIterator a = series(new long[] {10_000, 20_000, 30_000, 40_000, 50_000}, new double[] {1, 2, 3, 4, 5});
    ChunkIterator b = series(new long[] {15_000, 25_000, 35_000, 45_000, 55_000, 65_000, 75_000, 85_000},
        new double[] {11, 12, 13, 14, 15, 16, 17, 18});
    assertThat(drain(PenaltyDedupIterator.of(List.of(a, b), false)))
        .containsExactly("10000=1", "20000=2", "30000=3", "40000=4", "50000=5", "75000=17", "85000=18");
  }

  @Test
  void firstSampleWithinTheInitialPenaltyOfTheOtherReplicaIsSkipped() {
    ChunkIterator a = series(new long[] {1000, 11_000, 21_000}, new double[] {1, 2, 3});
    ChunkIterator b = series(new long[] {3000, 13_000, 23_000, 33_000, 43_000, 53_000}, new double[] {7, 8, 9, 10, 11, 12});
    // a comes first (1000 < 3000); b gets the initial penalty of 5 s, then twice the interval, so
    // it is read again only from 21 s + 1 ms + 20 s on.
    assertThat(drain(PenaltyDedupIterator.of(List.of(a, b), false)))
        .containsExactly("1000=1", "11000=2", "21000=3", "43000=11", "53000=12");
  }

  @Test
  void counterCorrectionAvoidsAFalseReset() {
    // Replica 1 restarted and lost part of its increase; replica 2 saw 45 before its gap.
    ChunkIterator r1 = series(new long[] {0, 20_000, 40_000, 100_000, 120_000}, new double[] {20, 30, 40, 40, 45});
    ChunkIterator r2 = series(new long[] {10_000, 30_000, 50_000}, new double[] {25, 35, 45});
    List<String> got = drain(PenaltyDedupIterator.of(List.of(r1, r2), true));
    // r2 takes over at 10 s (r1's next sample is 10 s later than r2's), r1 after r2 ends: its 40
    // is raised to the last emitted 45, and so are its later values.
    assertThat(got).containsExactly("0=20", "10000=25", "30000=35", "50000=45", "100000=45", "120000=50");
    // Without the correction the switch back shows 40 after 45: a counter reset.
    ChunkIterator r1b = series(new long[] {0, 20_000, 40_000, 100_000, 120_000}, new double[] {20, 30, 40, 40, 45});
    ChunkIterator r2b = series(new long[] {10_000, 30_000, 50_000}, new double[] {25, 35, 45});
    assertThat(drain(PenaltyDedupIterator.of(List.of(r1b, r2b), false))).contains("100000=40");
  }

  @Test
  void replicasWithDifferentGapsDedupToTheCompleteData() throws IOException {
    Random rnd = new Random(3);
    MemoryStorage st = new MemoryStorage();
    List<String> complete = new ArrayList<>();
    Labels r0 = Labels.of("__name__", "up", "replica", "0");
    Labels r1 = Labels.of("__name__", "up", "replica", "1");
    for (int i = 0; i < 400; i++) {
      long t = i * 15_000L;
      boolean gap0 = i >= 100 && i < 140;
      boolean gap1 = i >= 250 && i < 300;
      if (!gap0) {
        st.append(r0, t, i);
      }
      if (!gap1) {
        st.append(r1, t + 1 + rnd.nextInt(200), i); // the other replica scrapes a little later
      }
      complete.add(Long.toString(i));
    }
    // The replica label removed upstream: both series carry the same labels.
    SeriesSet dedup = new DedupSeriesSet(stripReplica(st), DedupSeriesSet.Algorithm.PENALTY, "");
    assertThat(dedup.next()).isTrue();
    List<Long> times = new ArrayList<>();
    List<String> values = new ArrayList<>();
    ChunkIterator it = dedup.at().iterator();
    while (it.next()) {
      times.add(it.timestamp());
      values.add(Long.toString((long) it.value()));
    }
    assertThat(dedup.next()).isFalse();
    // Both gaps are bridged by the other replica, at the cost of at most two samples per switch
    // (the penalty), and no scrape is counted twice.
    assertThat(times).isSorted().doesNotHaveDuplicates();
    for (int i = 1; i < times.size(); i++) {
      assertThat(times.get(i) - times.get(i - 1)).isLessThanOrEqualTo(3 * 15_000L + 200);
    }
    assertThat(values).doesNotHaveDuplicates().isSubsetOf(complete).hasSizeGreaterThanOrEqualTo(complete.size() - 4);
    assertThat(values.get(0)).isEqualTo("0");
    assertThat(values.get(values.size() - 1)).isEqualTo("399");
  }

  @Test
  void chainKeepsEverySampleOnce() throws IOException {
    MemoryStorage st = new MemoryStorage();
    st.append(Labels.of("__name__", "up", "replica", "0"), 1000, 1);
    st.append(Labels.of("__name__", "up", "replica", "0"), 3000, 3);
    st.append(Labels.of("__name__", "up", "replica", "1"), 1000, 100);
    st.append(Labels.of("__name__", "up", "replica", "1"), 2000, 2);
    SeriesSet dedup = new DedupSeriesSet(stripReplica(st), DedupSeriesSet.Algorithm.CHAIN, "");
    assertThat(dedup.next()).isTrue();
    assertThat(drain(dedup.at().iterator())).containsExactly("1000=1", "2000=2", "3000=3");
  }

  @Test
  void unknownAlgorithmIsNamed() {
    assertThatThrownBy(() -> DedupSeriesSet.Algorithm.parse("quorum")).hasMessageContaining("quorum");
  }

  /** All series of the storage with the replica label removed, sorted (as a store would send them). */
  private static SeriesSet stripReplica(MemoryStorage st) throws IOException {
    SeriesSet all = st.querier(Long.MIN_VALUE, Long.MAX_VALUE)
        .select(SelectHints.range(Long.MIN_VALUE, Long.MAX_VALUE), List.of(Matcher.re("__name__", ".+")));
    List<dev.hypnos.core.storage.Series> out = new ArrayList<>();
    while (all.next()) {
      var s = all.at();
      Labels l = s.labels().without("replica");
      out.add(new dev.hypnos.core.storage.Series() {
        @Override
        public Labels labels() {
          return l;
        }

        @Override
        public ChunkIterator iterator() {
          return s.iterator();
        }
      });
    }
    return new MemoryStorage.ListSeriesSet(out);
  }
}
