package dev.hypnos.storegateway;

import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.util.IoUtil;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.storeapi.Dataset;
import dev.hypnos.testing.storeapi.StoreApiContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/** The Store API contract suite against a BucketStore over promtool-made blocks of the standard dataset. */
class BucketStoreContractTest extends StoreApiContract {
  private Path dir;
  private FilesystemBucket bucket;

  @Override
  protected StoreApi createStore(Dataset dataset) throws Exception {
    dir = Files.createTempDirectory("hypnos-bucketstore-contract");
    Path bucketDir = dir.resolve("bucket");
    List<BlockMeta> metas = new ArrayList<>();
    for (Path b : dataset.writeBlocks(Promtool.require(), dir.resolve("work"))) {
      Path target = bucketDir.resolve(b.getFileName().toString());
      Promtool.copyTree(b, target);
      BlockMeta m = BlockMetaJson.read(target)
          .withThanos(BlockMeta.Thanos.of(dataset.externalLabels().toMap(), 0, "test"));
      BlockMetaJson.write(target, m);
      metas.add(m);
    }
    bucket = new FilesystemBucket(bucketDir);
    BucketStore store = new BucketStore(bucket, dir.resolve("data"), new IndexCache(4 << 20),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
        BucketStore.Options.DEFAULTS.withSeriesBatchSize(3));
    if (!store.setBlocks(metas).isEmpty()) {
      throw new IllegalStateException("blocks failed to load");
    }
    return store;
  }

  @Override
  protected void closeStore(StoreApi store) throws Exception {
    ((BucketStore) store).close();
    bucket.close();
    IoUtil.deleteTree(dir);
  }
}
