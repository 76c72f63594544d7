package dev.hypnos.storegateway.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionerTest {
  @Test
  void mergesRangesWithinTheGap() {
    long[] s = {0, 100, 150, 1000, 1100, 5000};
    long[] e = {50, 120, 400, 1010, 1200, 5001};
    List<Partitioner.Part> parts = new Partitioner(600).partition(s, e, s.length);
    assertThat(parts).containsExactly(
        new Partitioner.Part(0, 1200, 0, 5),
        new Partitioner.Part(5000, 5001, 5, 6));
    assertThat(new Partitioner(0).partition(s, e, s.length)).containsExactly(
        new Partitioner.Part(0, 50, 0, 1),
        new Partitioner.Part(100, 120, 1, 2),
        new Partitioner.Part(150, 400, 2, 3),
        new Partitioner.Part(1000, 1010, 3, 4),
        new Partitioner.Part(1100, 1200, 4, 5),
        new Partitioner.Part(5000, 5001, 5, 6));
  }

  @Test
  void overlappingRangesMergeAndGapIsInclusive() {
    long[] s = {10, 20, 70};
    long[] e = {60, 30, 80};
    assertThat(new Partitioner(10).partition(s, e, 3)).containsExactly(new Partitioner.Part(10, 80, 0, 3));
    assertThat(new Partitioner(9).partition(s, e, 3))
        .containsExactly(new Partitioner.Part(10, 60, 0, 2), new Partitioner.Part(70, 80, 2, 3));
    assertThat(new Partitioner(9).partition(s, e, 0)).isEmpty();
  }

  @Test
  void boundedPartsFetchAtMostTwiceTheirRanges() {
    // 10-byte ranges: a gap of 15 after two of them (20 wanted + 10 more) is bridged, one of 41
    // after three (30 + 10) is not, though the gap limit would allow it.
    long[] s = {0, 10, 35, 86, 90};
    long[] e = {10, 20, 45, 96, 100};
    List<Partitioner.Part> parts = new Partitioner(1000).partitionBounded(s, e, s.length);
    assertThat(parts).containsExactly(new Partitioner.Part(0, 45, 0, 3), new Partitioner.Part(86, 100, 3, 5));
    for (Partitioner.Part p : parts) {
      long wanted = 0;
      for (int i = p.first(); i < p.last(); i++) {
        wanted += e[i] - s[i];
      }
      assertThat(p.length()).isLessThanOrEqualTo(2 * wanted);
    }
    // The gap limit still applies, and overlapping ranges merge.
    assertThat(new Partitioner(5).partitionBounded(s, e, s.length)).hasSize(3);
    assertThat(new Partitioner(0).partitionBounded(new long[] {10, 20, 70}, new long[] {60, 30, 80}, 3))
        .containsExactly(new Partitioner.Part(10, 60, 0, 2), new Partitioner.Part(70, 80, 2, 3));
  }

  @Test
  void rejectsUnsortedInputAndNegativeGap() {
    assertThatThrownBy(() -> new Partitioner(5).partition(new long[] {10, 5}, new long[] {11, 6}, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sorted");
    assertThatThrownBy(() -> new Partitioner(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
