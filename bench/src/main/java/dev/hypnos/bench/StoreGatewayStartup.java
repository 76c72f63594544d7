package dev.hypnos.bench;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storegateway.BucketStore;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Store gateway startup: serves N copies of one promtool block (hard links, each with its own
 * ULID) and reports the time {@link BucketStore#setBlocks} takes (index-headers built) and the
 * heap used afterwards, then again after one Series call touched every block (index-headers
 * opened), per block against the block's index file size.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar dev.hypnos.bench.StoreGatewayStartup 50 200}
 */
public final class StoreGatewayStartup {
  private StoreGatewayStartup() {}

  static long usedHeap() {
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long treeSize(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      long n = 0;
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        n += Files.size(p);
      }
      return n;
    }
  }

  public static void main(String[] args) throws IOException {
    StoreGatewayData data = StoreGatewayData.get();
    BlockMeta source = data.metas.get(0);
    for (BlockMeta m : data.metas) {
      if (m.stats().numSeries() > source.stats().numSeries()) {
        source = m;
      }
    }
    Path sourceDir = data.bucketDir.resolve(source.ulid().toString());
    long indexSize = Files.size(sourceDir.resolve("index"));
    System.out.printf("source block %s: %d series, %d samples, index %d B, chunks %d B%n", source.ulid(),
        source.stats().numSeries(), source.stats().numSamples(), indexSize,
        treeSize(sourceDir.resolve("chunks")));
    for (String arg : args.length > 0 ? args : new String[] {"50", "200"}) {
      int n = Integer.parseInt(arg);
      Path root = Files.createTempDirectory("hypnos-bench-startup");
      try {
        Path bucketDir = root.resolve("bucket");
        SplittableRandom rnd = new SplittableRandom(n);
        List<BlockMeta> metas = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          BlockMeta m = new BlockMeta(BlockId.of(source.ulid().timestamp() + i, rnd), source.minTime(),
              source.maxTime(), source.stats(), source.compaction(), source.version(), source.thanos());
          Path dir = bucketDir.resolve(m.ulid().toString());
          Files.createDirectories(dir.resolve("chunks"));
          Files.createLink(dir.resolve("index"), sourceDir.resolve("index"));
          try (Stream<Path> s = Files.list(sourceDir.resolve("chunks"))) {
            for (Path c : s.toList()) {
              Files.createLink(dir.resolve("chunks").resolve(c.getFileName()), c);
            }
          }
          BlockMetaJson.write(dir, m);
          metas.add(m);
        }
        Path dataDir = root.resolve("data");
        long before = usedHeap();
        try (FilesystemBucket bucket = new FilesystemBucket(bucketDir);
            BucketStore store = new BucketStore(bucket, dataDir, IndexCache.disabled(),
                new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
                BucketStore.Options.DEFAULTS)) {
          long t0 = System.nanoTime();
          var failed = store.setBlocks(metas);
          long took = System.nanoTime() - t0;
          if (!failed.isEmpty()) {
            throw new IllegalStateException("blocks did not load: " + failed);
          }
          long afterSync = usedHeap() - before;
          StoreGatewayData.CountingSink sink = new StoreGatewayData.CountingSink();
          store.series(SeriesRequest.builder(source.minTime(), source.maxTime(),
              List.of(Matcher.eq("__name__", "hypnos_requests_3_total"), Matcher.eq("instance", "host-33:9100")))
              .build(), sink);
          long afterQuery = usedHeap() - before;
          long headerBytes = treeSize(dataDir) / n;
          System.out.printf("N=%d: setBlocks %.0f ms (%.2f ms/block); heap after setBlocks %.1f KiB/block,"
                  + " after a query over all blocks %.1f KiB/block (%d series returned); index %.1f KiB/block,"
                  + " index-header on disk %.1f KiB/block; heap/index %.2f (sync) %.2f (queried)%n",
              n, took / 1e6, took / 1e6 / n, afterSync / 1024.0 / n, afterQuery / 1024.0 / n, sink.series,
              indexSize / 1024.0, headerBytes / 1024.0, (double) afterSync / n / indexSize,
              (double) afterQuery / n / indexSize);
        }
      } finally {
        Promtool.deleteTree(root);
      }
    }
  }
}
