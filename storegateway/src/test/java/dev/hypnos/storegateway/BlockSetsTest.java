package dev.hypnos.storegateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.storegateway.block.BucketBlock;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.storegateway.indexheader.IndexHeader;
import dev.hypnos.storegateway.indexheader.PostingsRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Block choice by time range and resolution, as Thanos's bucketBlockSet.getFor. */
class BlockSetsTest {
  /** An index-header with nothing in it; block choice never reads it. */
  static final class EmptyHeader implements IndexHeader {
    @Override
    public int indexVersion() {
      return 2;
    }

    @Override
    public String symbol(long ref) {
      throw new IllegalStateException("no symbols");
    }

    @Override
    public List<String> labelNames() {
      return List.of();
    }

    @Override
    public List<String> labelValues(String name) {
      return List.of();
    }

    @Override
    public @Nullable PostingsRange postingsRange(String name, String value) {
      return null;
    }

    @Override
    public void close() {}
  }

  static int seq;

  static BucketBlock block(long min, long max, long res, Map<String, String> ext) {
    BlockMeta m = new BlockMeta(BlockId.of(++seq, 0), min, max, null, null, 1,
        BlockMeta.Thanos.of(ext, res, "compactor"));
    return new BucketBlock(new InMemoryBucket(), m, new EmptyHeader(), IndexCache.disabled(), new Partitioner(0));
  }

  static List<String> ranges(List<BucketBlock> bs) {
    List<String> out = new ArrayList<>();
    for (BucketBlock b : bs) {
      out.add(b.meta().resolution() + ":" + b.meta().minTime() + "-" + b.meta().maxTime());
    }
    return out;
  }

  @Test
  void coarsestResolutionFirstGapsFilledFromFinerOnes() {
    Map<String, String> ext = Map.of("cluster", "a");
    List<BucketBlock> all = List.of(
        block(0, 100, 0, ext), block(100, 200, 0, ext), block(200, 300, 0, ext), block(300, 400, 0, ext),
        block(100, 300, 300_000, ext),
        block(200, 250, 3_600_000, ext));
    assertThat(ranges(BlockSets.getFor(all, 0, 399, 0)))
        .containsExactly("0:0-100", "0:100-200", "0:200-300", "0:300-400");
    assertThat(ranges(BlockSets.getFor(all, 0, 399, 300_000)))
        .containsExactly("0:0-100", "300000:100-300", "0:300-400");
    assertThat(ranges(BlockSets.getFor(all, 0, 399, 3_600_000)))
        .containsExactly("0:0-100", "300000:100-300", "3600000:200-250", "0:300-400");
    // Half-open block ranges: a block ending at the query start is not used.
    assertThat(ranges(BlockSets.getFor(all, 100, 150, 0))).containsExactly("0:100-200");
    assertThat(ranges(BlockSets.getFor(all, 400, 500, 0))).isEmpty();
  }

  @Test
  void externalLabelSetsAreChosenIndependently() {
    List<BucketBlock> all = List.of(
        block(0, 100, 0, Map.of("r", "1")), block(0, 100, 300_000, Map.of("r", "2")),
        block(0, 100, 0, Map.of("r", "2")));
    List<BucketBlock> got = BlockSets.getFor(all, 0, 99, 300_000);
    assertThat(got).hasSize(2);
    assertThat(got).extracting(BucketBlock::externalLabels)
        .containsExactlyInAnyOrder(Labels.of("r", "1"), Labels.of("r", "2"));
    assertThat(got).anySatisfy(b -> assertThat(b.meta().resolution()).isEqualTo(300_000));
  }
}
