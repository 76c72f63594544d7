package dev.hypnos.storegateway;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a JVM with a small heap by {@link MemoryBoundTest}: serves every block of a filesystem
 * bucket and streams one Series call matching everything, decoding every chunk, then prints
 * {@code series=N samples=M}. A budget of 4096 series in flight gives each of the 600 blocks
 * batches of 4 series.
 */
public final class MemoryProbe {
  private MemoryProbe() {}

  public static void main(String[] args) throws Exception {
    Path bucketDir = Path.of(args[0]);
    Path dataDir = Path.of(args[1]);
    try (FilesystemBucket bucket = new FilesystemBucket(bucketDir);
        BucketStore store = new BucketStore(bucket, dataDir, new IndexCache(1 << 20),
            new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.system(),
            BucketStore.Options.DEFAULTS.withSeriesInFlight(4096))) {
      List<BlockMeta> metas = new ArrayList<>();
      for (BlockId id : BucketBlocks.list(bucket)) {
        metas.add(BucketBlocks.readMeta(bucket, id));
      }
      if (!store.setBlocks(metas).isEmpty()) {
        throw new IllegalStateException("blocks failed to load");
      }
      long[] counts = new long[2];
      XorIterator it = new XorIterator();
      store.series(SeriesRequest.builder(Long.MIN_VALUE / 2, Long.MAX_VALUE / 2,
          List.of(Matcher.re("__name__", ".+"))).build(), r -> {
            if (r instanceof SeriesResponse.SeriesItem i) {
              counts[0]++;
              for (StoreChunk c : i.series().chunks()) {
                it.reset(c.raw().array(), c.raw().offset(), c.raw().length());
                while (it.next()) {
                  counts[1]++;
                }
              }
            }
          });
      System.out.println("series=" + counts[0] + " samples=" + counts[1]);
    }
  }
}
