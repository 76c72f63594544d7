package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The planner and grouper on hand-made metas, following Thanos's tsdbBasedPlanner cases. */
class PlannerTest {
  static final long H = 3_600_000L;
  static final SplittableRandom RND = new SplittableRandom(5);
  final Planner planner = new Planner(Planner.DEFAULT_RANGES);

  static BlockMeta meta(long min, long max) {
    return meta(min, max, Map.of("cluster", "a"), 0);
  }

  static BlockMeta meta(long min, long max, Map<String, String> labels, long res) {
    return new BlockMeta(BlockId.of(1_700_000_000_000L + min / 1000, RND), min, max, null, null, 1,
        BlockMeta.Thanos.of(labels, res, "sidecar"));
  }

  static List<BlockMeta> twoHourBlocks(int n) {
    List<BlockMeta> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(meta(i * 2 * H, (i + 1) * 2 * H));
    }
    return out;
  }

  @Test
  void fullEightHourRangeIsPlannedButNotTheNewestBlock() {
    // 4 blocks fill [0, 8h), but the newest is left out: the 3 others neither fill the range nor
    // end before the start (4h) of the newest remaining one, so nothing yet.
    List<BlockMeta> four = twoHourBlocks(4);
    assertThat(planner.plan(four, Set.of())).isEmpty();
    // With a fifth block (next range), all four of the first range go.
    List<BlockMeta> five = twoHourBlocks(5);
    assertThat(planner.plan(five, Set.of())).containsExactlyElementsOf(five.subList(0, 4));
  }

  @Test
  void nothingToPlanForTwoBlocks() {
    List<BlockMeta> two = twoHourBlocks(2);
    // Only one block remains after leaving out the newest.
    assertThat(planner.plan(two, Set.of())).isEmpty();
    assertThat(planner.plan(List.of(), Set.of())).isEmpty();
  }

  @Test
  void noCompactMarkCutsTheRun() {
    List<BlockMeta> five = twoHourBlocks(5);
    // Block 1 marked: the run [0..3] splits into [0] and [2, 3]; the latter is chosen.
    assertThat(planner.plan(five, Set.of(five.get(1).ulid()))).containsExactly(five.get(2), five.get(3));
    // Blocks 1 and 2 marked: only singles remain in the 8h range; nothing in larger ranges either.
    assertThat(planner.plan(five, Set.of(five.get(1).ulid(), five.get(2).ulid()))).isEmpty();
  }

  @Test
  void overlappingBlocksComeFirst() {
    List<BlockMeta> metas = new ArrayList<>(twoHourBlocks(5));
    BlockMeta over = meta(H, 3 * H);
    metas.add(1, over); // sorted by minTime: [0,2h) [1h,3h) [2h,4h) ...
    List<BlockMeta> plan = planner.plan(metas, Set.of());
    assertThat(plan).containsExactly(metas.get(0), metas.get(1), metas.get(2));
    assertThat(Planner.overlapping(twoHourBlocks(5))).isEmpty();
  }

  @Test
  void largerRangesAfterSmallerOnes() {
    // Four 8h blocks fill [0, 2d) -> all four when a later block exists.
    List<BlockMeta> metas = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      metas.add(meta(i * 8 * H, (i + 1) * 8 * H));
    }
    metas.add(meta(48 * H, 50 * H));
    assertThat(planner.plan(metas, Set.of())).containsExactlyElementsOf(metas.subList(0, 6));
  }

  @Test
  void levelsGoFromTwoHoursToEightHoursToTwoDaysToFourteenDays() {
    // 14 days of 2h blocks from a 14d boundary, and one newer 2h block. Running the planner and
    // replacing each plan by the block it makes must walk up the levels: 42 compactions of four
    // 2h blocks into 8h, 7 of six 8h blocks into 2d, then 1 of seven 2d blocks into 14d.
    long t0 = (1_700_000_000_000L / (14 * 24 * H) + 1) * 14 * 24 * H;
    List<BlockMeta> metas = new ArrayList<>();
    for (int i = 0; i <= 14 * 12; i++) {
      metas.add(meta(t0 + i * 2 * H, t0 + (i + 1) * 2 * H));
    }
    BlockMeta newest = metas.get(metas.size() - 1);
    Map<Long, Integer> plansByRange = new java.util.TreeMap<>();
    Map<Long, Integer> blocksByRange = new java.util.TreeMap<>();
    for (int guard = 0; guard < 1000; guard++) {
      List<BlockMeta> plan = planner.plan(metas, Set.of());
      if (plan.isEmpty()) {
        break;
      }
      long min = plan.get(0).minTime();
      long max = plan.get(plan.size() - 1).maxTime();
      assertThat(plan).doesNotContain(newest);
      // Each plan fills exactly one range of the next level, aligned to it.
      assertThat(List.of(8 * H, 48 * H, 14 * 24 * H)).contains(max - min);
      assertThat(min % (max - min)).isZero();
      for (int i = 1; i < plan.size(); i++) {
        assertThat(plan.get(i).minTime()).isEqualTo(plan.get(i - 1).maxTime());
      }
      plansByRange.merge(max - min, 1, Integer::sum);
      blocksByRange.merge(max - min, plan.size(), Integer::sum);
      metas.removeAll(plan);
      metas.add(meta(min, max));
      metas.sort(java.util.Comparator.comparingLong(BlockMeta::minTime));
    }
    assertThat(plansByRange).isEqualTo(Map.of(8 * H, 42, 48 * H, 7, 14 * 24 * H, 1));
    assertThat(blocksByRange).isEqualTo(Map.of(8 * H, 168, 48 * H, 42, 14 * 24 * H, 7));
    assertThat(metas).hasSize(2);
    assertThat(metas.get(0).maxTime() - metas.get(0).minTime()).isEqualTo(14 * 24 * H);
    assertThat(metas.get(1)).isEqualTo(newest);
  }

  @Test
  void downsamplingThresholdsAreFortyHoursAndTenDays() {
    long d = 24 * H;
    assertThat(Downsampler.longEnough(meta(0, 40 * H - 1, Map.of(), 0))).isFalse();
    assertThat(Downsampler.longEnough(meta(0, 40 * H, Map.of(), 0))).isTrue();
    assertThat(Downsampler.longEnough(meta(0, 10 * d - 1, Map.of(), 300_000))).isFalse();
    assertThat(Downsampler.longEnough(meta(0, 10 * d, Map.of(), 300_000))).isTrue();
    assertThat(Downsampler.longEnough(meta(0, 100 * d, Map.of(), 3_600_000))).isFalse();
    assertThat(Downsampler.nextResolution(0)).isEqualTo(300_000);
    assertThat(Downsampler.nextResolution(300_000)).isEqualTo(3_600_000);
    assertThat(Downsampler.nextResolution(3_600_000)).isEqualTo(-1);
  }

  @Test
  void groupKeysFollowThanos() {
    assertThat(Grouper.groupKey(0, Map.of())).isEqualTo("0@" + Long.toUnsignedString(Grouper.labelsHash(Map.of())));
    // xxhash64 of the empty input.
    assertThat(Long.toUnsignedString(Grouper.labelsHash(Map.of()))).isEqualTo("17241709254077376921");
    Grouper g = new Grouper(List.of("replica"));
    BlockMeta a = meta(0, 2 * H, Map.of("cluster", "x", "replica", "1"), 0);
    BlockMeta b = meta(0, 2 * H, Map.of("cluster", "x", "replica", "2"), 0);
    BlockMeta c = meta(0, 2 * H, Map.of("cluster", "y", "replica", "1"), 0);
    BlockMeta d = meta(0, 2 * H, Map.of("cluster", "x", "replica", "1"), 300_000);
    List<BlockGroup> groups = g.group(List.of(a, b, c, d));
    assertThat(groups).hasSize(3);
    assertThat(groups).anySatisfy(x -> assertThat(x.metas()).containsExactlyInAnyOrder(a, b));
    assertThat(g.keyOf(d)).startsWith("300000@");
    assertThat(g.keyOf(a)).isEqualTo(Grouper.groupKey(0, Map.of("cluster", "x")));
    assertThat(new Grouper(List.of()).keyOf(a)).isNotEqualTo(new Grouper(List.of()).keyOf(b));
  }
}
