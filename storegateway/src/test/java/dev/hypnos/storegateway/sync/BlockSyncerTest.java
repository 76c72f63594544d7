package dev.hypnos.storegateway.sync;

import static dev.hypnos.storegateway.sync.SyncFixtures.NOW;
import static dev.hypnos.storegateway.sync.SyncFixtures.idAt;
import static dev.hypnos.storegateway.sync.SyncFixtures.meta;
import static dev.hypnos.storegateway.sync.SyncFixtures.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.storegateway.sync.SyncFixtures.FaultyBucket;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class BlockSyncerTest {
  private final InMemoryBucket mem = new InMemoryBucket();
  private final FaultyBucket bucket = new FaultyBucket(mem);

  /** Records every set it is told, like a bucket store would apply it. */
  private static final class RecordingListener implements BlockSetListener {
    final List<List<BlockId>> sets = new CopyOnWriteArrayList<>();
    volatile boolean fail;

    @Override
    public void sync(Collection<BlockMeta> active) throws IOException {
      if (fail) {
        throw new IOException("load blocks: disk full");
      }
      List<BlockId> ids = new ArrayList<>();
      for (BlockMeta m : active) {
        ids.add(m.ulid());
      }
      sets.add(ids);
    }

    List<BlockId> last() {
      return sets.get(sets.size() - 1);
    }
  }

  private BlockMeta block(int hoursAgo) throws IOException {
    return put(mem, meta(idAt(NOW.minusSeconds(hoursAgo * 3600L)), 0, 1, Map.of("r", "a"), "sidecar"));
  }

  private BlockSyncer syncer(RecordingListener listener) throws IOException {
    return new BlockSyncer(new MetaFetcher(bucket, null, 2, List.of(), null), listener, Duration.ofHours(1));
  }

  @Test
  void tellsTheListenerNewAndRemovedBlocks() throws Exception {
    RecordingListener listener = new RecordingListener();
    BlockSyncer s = syncer(listener);
    BlockMeta a = block(10);
    BlockMeta b = block(9);
    s.syncNow();
    assertThat(listener.last()).containsExactly(a.ulid(), b.ulid());
    BlockMeta c = block(8);
    mem.delete(a.ulid() + "/meta.json");
    mem.delete(a.ulid() + "/index");
    s.syncNow();
    assertThat(listener.last()).containsExactly(b.ulid(), c.ulid());
    assertThat(s.active()).extracting(BlockMeta::ulid).containsExactly(b.ulid(), c.ulid());
  }

  @Test
  void notReadyUntilTheFirstSyncSucceeds() throws Exception {
    RecordingListener listener = new RecordingListener();
    BlockSyncer s = syncer(listener);
    block(10);
    assertThat(s.readiness().notReadyReason()).hasValue("initial block sync not finished");

    bucket.down = true;
    assertThatThrownBy(s::syncNow).isInstanceOf(IOException.class);
    assertThat(s.readiness().notReadyReason())
        .hasValueSatisfying(r -> assertThat(r).startsWith("initial block sync failed: list blocks in mem"));
    assertThat(s.firstSyncDone()).isFalse();

    bucket.down = false;
    s.syncNow();
    assertThat(s.readiness().notReadyReason()).isEmpty();
    assertThat(s.lastError()).isNull();

    // Once ready, a later failure keeps the blocks served and readiness is left to the bucket probe.
    bucket.down = true;
    assertThatThrownBy(s::syncNow).isInstanceOf(IOException.class);
    assertThat(s.readiness().notReadyReason()).isEmpty();
    assertThat(s.lastError()).contains("connection reset");
    assertThat(listener.sets).hasSize(1);
  }

  @Test
  void anIncompleteViewNeverUnloadsBlocks() throws Exception {
    RecordingListener listener = new RecordingListener();
    BlockSyncer s = syncer(listener);
    BlockMeta a = block(10);
    BlockMeta b = block(9);
    s.syncNow();
    BlockMeta c = block(8);
    BlockMeta d = block(7);
    bucket.failing = k -> k.startsWith(c.ulid().toString());
    mem.delete(b.ulid() + "/meta.json");
    mem.delete(b.ulid() + "/index");

    FetchResult incomplete = s.syncNow();
    assertThat(incomplete.complete()).isFalse();
    // b is really gone, but the view is incomplete: nothing is dropped; the new block d is added.
    assertThat(listener.last()).containsExactly(a.ulid(), b.ulid(), d.ulid());
    assertThat(s.lastError()).startsWith("incomplete view").contains(c.ulid() + "/meta.json");
    assertThat(s.readiness().notReadyReason()).isEmpty();

    bucket.failing = k -> false;
    s.syncNow();
    assertThat(listener.last()).containsExactly(a.ulid(), c.ulid(), d.ulid());
    assertThat(s.lastError()).isNull();
  }

  @Test
  void aListenerFailureLeavesTheServedSetUnchanged() throws Exception {
    RecordingListener listener = new RecordingListener();
    BlockSyncer s = syncer(listener);
    BlockMeta a = block(10);
    s.syncNow();
    block(9);
    listener.fail = true;
    assertThatThrownBy(s::syncNow).hasMessageContaining("disk full");
    assertThat(s.active()).extracting(BlockMeta::ulid).containsExactly(a.ulid());
    assertThat(s.lastError()).contains("disk full");
  }

  @Test
  void startRunsTheFirstSyncInTheBackground() throws Exception {
    RecordingListener listener = new RecordingListener();
    BlockMeta a = block(10);
    try (BlockSyncer s = syncer(listener)) {
      s.start();
      assertThat(s.awaitFirstSync(Duration.ofSeconds(30))).isTrue();
      assertThat(listener.sets.get(0)).containsExactly(a.ulid());
      assertThatThrownBy(s::start).hasMessageContaining("already started");
    }
  }

  @Test
  void rejectsANonPositiveInterval() {
    assertThatThrownBy(() -> new BlockSyncer(new MetaFetcher(mem, null, 1, List.of(), null), active -> {},
        Duration.ZERO)).hasMessageContaining("--sync-block-duration PT0S must be positive");
  }
}
