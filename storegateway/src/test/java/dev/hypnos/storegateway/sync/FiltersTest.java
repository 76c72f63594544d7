package dev.hypnos.storegateway.sync;

import static dev.hypnos.storegateway.sync.SyncFixtures.NOW;
import static dev.hypnos.storegateway.sync.SyncFixtures.idAt;
import static dev.hypnos.storegateway.sync.SyncFixtures.markForDeletion;
import static dev.hypnos.storegateway.sync.SyncFixtures.meta;
import static dev.hypnos.storegateway.sync.SyncFixtures.put;
import static dev.hypnos.storegateway.sync.SyncFixtures.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.storegateway.sync.SyncFixtures.FaultyBucket;
import dev.hypnos.storegateway.sync.SyncFixtures.TestClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Each filter on its own, then together through a fetcher. */
class FiltersTest {
  private final TestClock clock = new TestClock();
  private final InMemoryBucket bucket = new InMemoryBucket();

  private static long ms(String rfc3339) {
    return Instant.parse(rfc3339).toEpochMilli();
  }

  private static BlockMeta block(String min, String max) {
    return meta(idAt(Instant.parse(max).plusSeconds(3600)), ms(min), ms(max), Map.of("cluster", "eu"), "sidecar");
  }

  private static SortedMap<BlockId, BlockMeta> map(BlockMeta... metas) {
    SortedMap<BlockId, BlockMeta> m = new TreeMap<>();
    for (BlockMeta b : metas) {
      m.put(b.ulid(), b);
    }
    return m;
  }

  // --- time partition -------------------------------------------------------------------------

  @Test
  void timePartitionKeepsBlocksOverlappingTheRange() {
    BlockMeta before = block("2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z");
    BlockMeta across = block("2026-01-01T02:00:00Z", "2026-01-01T04:00:00Z");
    BlockMeta inside = block("2026-01-01T04:00:00Z", "2026-01-01T06:00:00Z");
    BlockMeta after = block("2026-01-01T08:00:00Z", "2026-01-01T10:00:00Z");
    SortedMap<BlockId, BlockMeta> metas = map(before, across, inside, after);
    SyncCounts counts = new SyncCounts();
    new TimePartitionFilter(TimeOrDuration.parse("2026-01-01T03:00:00Z"), TimeOrDuration.parse("2026-01-01T07:00:00Z"),
        clock).filter(metas, counts);
    assertThat(metas).containsOnlyKeys(across.ulid(), inside.ulid());
    assertThat(counts.get(SyncState.TIME_EXCLUDED)).isEqualTo(2);
  }

  @Test
  void timePartitionBoundsAreInclusiveAsInThanos() {
    BlockMeta b = block("2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z");
    SortedMap<BlockId, BlockMeta> metas = map(b);
    new TimePartitionFilter(TimeOrDuration.parse("2026-01-01T02:00:00Z"), TimeOrDuration.parse(TimeOrDuration.MAX_DEFAULT),
        clock).filter(metas, new SyncCounts());
    assertThat(metas).containsOnlyKeys(b.ulid());
    SortedMap<BlockId, BlockMeta> metas2 = map(b);
    new TimePartitionFilter(TimeOrDuration.parse(TimeOrDuration.MIN_DEFAULT), TimeOrDuration.parse("2026-01-01T00:00:00Z"),
        clock).filter(metas2, new SyncCounts());
    assertThat(metas2).containsOnlyKeys(b.ulid());
  }

  @Test
  void relativeBoundsMoveWithTheClock() {
    // Serve only the last day: -1d .. now.
    BlockMeta old = block("2026-02-27T00:00:00Z", "2026-02-27T02:00:00Z");
    BlockMeta recent = block("2026-03-01T00:00:00Z", "2026-03-01T02:00:00Z");
    TimePartitionFilter f = new TimePartitionFilter(TimeOrDuration.parse("-1d"), TimeOrDuration.parse("0"), clock);
    SortedMap<BlockId, BlockMeta> metas = map(old, recent);
    f.filter(metas, new SyncCounts());
    assertThat(metas).containsOnlyKeys(recent.ulid());

    clock.now.set(NOW.plus(Duration.ofDays(2)));
    SortedMap<BlockId, BlockMeta> later = map(old, recent);
    f.filter(later, new SyncCounts());
    assertThat(later).isEmpty();
  }

  @Test
  void timeOrDurationParsesThanosForms() {
    assertThat(TimeOrDuration.parse("-2w").toEpochMillis(clock)).isEqualTo(NOW.minus(Duration.ofDays(14)).toEpochMilli());
    assertThat(TimeOrDuration.parse("2h45m").toEpochMillis(clock))
        .isEqualTo(NOW.plus(Duration.ofMinutes(165)).toEpochMilli());
    assertThat(TimeOrDuration.parse("-1y").toEpochMillis(clock)).isEqualTo(NOW.minus(Duration.ofDays(365)).toEpochMilli());
    assertThat(TimeOrDuration.parse("-1500ms").toEpochMillis(clock)).isEqualTo(NOW.toEpochMilli() - 1500);
    assertThat(TimeOrDuration.parse("2026-01-01T01:00:00+01:00").toEpochMillis(clock))
        .isEqualTo(ms("2026-01-01T00:00:00Z"));
    assertThat(TimeOrDuration.parse(TimeOrDuration.MIN_DEFAULT).toEpochMillis(clock))
        .isEqualTo(Instant.parse("0000-01-01T00:00:00Z").toEpochMilli());
    assertThat(TimeOrDuration.parse(TimeOrDuration.MAX_DEFAULT).toEpochMillis(clock))
        .isEqualTo(ms("9999-12-31T23:59:59Z"));
    assertThat(TimeOrDuration.parse("-1d").isRelative()).isTrue();
    for (String bad : List.of("", "-", "1x", "2m1h", "yesterday", "2026-01-01", "1.5h")) {
      assertThatThrownBy(() -> TimeOrDuration.parse(bad), bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("neither an RFC 3339 time");
    }
  }

  @Test
  void minTimeAfterMaxTimeIsRejected() {
    assertThatThrownBy(() -> new TimePartitionFilter(TimeOrDuration.parse("2026-01-02T00:00:00Z"),
        TimeOrDuration.parse("2026-01-01T00:00:00Z"), clock))
        .hasMessageContaining("--min-time 2026-01-02T00:00:00Z is after --max-time 2026-01-01T00:00:00Z");
  }

  // --- consistency delay ----------------------------------------------------------------------

  @Test
  void consistencyDelaySkipsFreshBlocksUnlessCompacted() {
    BlockMeta fresh = meta(idAt(NOW.minus(Duration.ofMinutes(10))), 0, 1, Map.of(), "sidecar");
    BlockMeta freshCompacted = meta(idAt(NOW.minus(Duration.ofMinutes(10))), 0, 1, Map.of(), "compactor");
    BlockMeta freshRepaired = meta(idAt(NOW.minus(Duration.ofMinutes(10))), 0, 1, Map.of(), "bucket.repair");
    BlockMeta old = meta(idAt(NOW.minus(Duration.ofMinutes(31))), 0, 1, Map.of(), "sidecar");
    SortedMap<BlockId, BlockMeta> metas = map(fresh, freshCompacted, freshRepaired, old);
    SyncCounts counts = new SyncCounts();
    new ConsistencyDelayFilter(Duration.ofMinutes(30), clock).filter(metas, counts);
    assertThat(metas).containsOnlyKeys(freshCompacted.ulid(), freshRepaired.ulid(), old.ulid());
    assertThat(counts.get(SyncState.TOO_FRESH)).isEqualTo(1);

    clock.now.set(NOW.plus(Duration.ofMinutes(25)));
    SortedMap<BlockId, BlockMeta> later = map(fresh);
    new ConsistencyDelayFilter(Duration.ofMinutes(30), clock).filter(later, new SyncCounts());
    assertThat(later).containsOnlyKeys(fresh.ulid());
  }

  @Test
  void zeroConsistencyDelayKeepsEverything() {
    BlockMeta justNow = meta(idAt(NOW), 0, 1, Map.of(), "sidecar");
    SortedMap<BlockId, BlockMeta> metas = map(justNow);
    new ConsistencyDelayFilter(Duration.ZERO, clock).filter(metas, new SyncCounts());
    assertThat(metas).containsOnlyKeys(justNow.ulid());
  }

  // --- deletion marks -------------------------------------------------------------------------

  @Test
  void deletionMarksAreHonouredOnceOlderThanTheDelay() throws IOException {
    BlockMeta longAgo = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(3))), 0, 1, Map.of(), "sidecar"));
    BlockMeta recently = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(3))), 0, 1, Map.of(), "sidecar"));
    BlockMeta unmarked = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(3))), 0, 1, Map.of(), "sidecar"));
    BlockMeta halfWritten = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(3))), 0, 1, Map.of(), "sidecar"));
    BlockMeta futureVersion = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(3))), 0, 1, Map.of(), "sidecar"));
    markForDeletion(bucket, longAgo.ulid(), NOW.minus(Duration.ofHours(25)));
    markForDeletion(bucket, recently.ulid(), NOW.minus(Duration.ofHours(1)));
    upload(bucket, halfWritten.ulid() + "/deletion-mark.json", "{\"id\":");
    upload(bucket, futureVersion.ulid() + "/deletion-mark.json", "{\"version\":2,\"deletion_time\":1}");

    DeletionMarkFilter f = new DeletionMarkFilter(bucket, Duration.ofHours(24), 4, clock);
    SortedMap<BlockId, BlockMeta> metas = map(longAgo, recently, unmarked, halfWritten, futureVersion);
    SyncCounts counts = new SyncCounts();
    f.filter(metas, counts);
    assertThat(metas).containsOnlyKeys(recently.ulid(), unmarked.ulid(), halfWritten.ulid(), futureVersion.ulid());
    assertThat(counts.get(SyncState.MARKED_FOR_DELETION)).isEqualTo(1);
    assertThat(f.markedBlocks()).containsOnlyKeys(longAgo.ulid(), recently.ulid());
    assertThat(f.markedBlocks().get(recently.ulid()).deletionTime())
        .isEqualTo(NOW.minus(Duration.ofHours(1)).getEpochSecond());

    // A day later the recent mark has aged past the delay too.
    clock.now.set(NOW.plus(Duration.ofHours(24)));
    SortedMap<BlockId, BlockMeta> later = map(recently, unmarked);
    f.filter(later, new SyncCounts());
    assertThat(later).containsOnlyKeys(unmarked.ulid());
  }

  @Test
  void zeroDeletionDelayDropsMarkedBlocksAtOnce() throws IOException {
    BlockMeta b = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(1))), 0, 1, Map.of(), "sidecar"));
    markForDeletion(bucket, b.ulid(), NOW.minusSeconds(1));
    SortedMap<BlockId, BlockMeta> metas = map(b);
    new DeletionMarkFilter(bucket, Duration.ZERO, 1, clock).filter(metas, new SyncCounts());
    assertThat(metas).isEmpty();
  }

  @Test
  void aMarkThatCannotBeReadFailsTheFilter() throws IOException {
    FaultyBucket faulty = new FaultyBucket(bucket);
    BlockMeta b = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(1))), 0, 1, Map.of(), "sidecar"));
    faulty.failing = k -> k.endsWith("deletion-mark.json");
    assertThatThrownBy(() -> new DeletionMarkFilter(faulty, Duration.ZERO, 1, clock).filter(map(b), new SyncCounts()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(b.ulid() + "/deletion-mark.json");
  }

  // --- label sharding -------------------------------------------------------------------------

  private BlockMeta labelled(String... kv) {
    Map<String, String> labels = new TreeMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      labels.put(kv[i], kv[i + 1]);
    }
    return meta(idAt(NOW.minus(Duration.ofDays(1))), 0, 1, labels, "sidecar");
  }

  private SortedMap<BlockId, BlockMeta> shard(String yaml, BlockMeta... blocks) {
    SortedMap<BlockId, BlockMeta> metas = map(blocks);
    SyncCounts counts = new SyncCounts();
    new LabelShardFilter(RelabelConfig.parseList(yaml, "test", RelabelConfig.SELECTOR_ACTIONS)).filter(metas, counts);
    assertThat(counts.get(SyncState.LABEL_EXCLUDED)).isEqualTo(blocks.length - metas.size());
    return metas;
  }

  @Test
  void keepAndDropSelectOnExternalLabels() {
    BlockMeta eu = labelled("region", "eu-west", "replica", "a");
    BlockMeta us = labelled("region", "us-east", "replica", "a");
    BlockMeta none = labelled();
    assertThat(shard("""
        - action: keep
          source_labels: [region]
          regex: eu-.*
        """, eu, us, none)).containsOnlyKeys(eu.ulid());
    assertThat(shard("""
        - action: drop
          source_labels: [region]
          regex: eu-.*
        """, eu, us, none)).containsOnlyKeys(us.ulid(), none.ulid());
    // The regex is anchored: "eu" alone does not match "eu-west".
    assertThat(shard("""
        - action: keep
          source_labels: [region]
          regex: eu
        """, eu, us)).isEmpty();
    // Several source labels joined by the separator; a missing label is the empty string.
    assertThat(shard("""
        - action: keep
          source_labels: [region, replica]
          separator: "/"
          regex: "us-east/a|/"
        """, eu, us, none)).containsOnlyKeys(us.ulid(), none.ulid());
  }

  @Test
  void hashmodOnBlockIdSplitsBlocksIntoDisjointShards() {
    BlockMeta[] blocks = new BlockMeta[30];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = labelled("region", "eu");
    }
    SortedMap<BlockId, BlockMeta> all = new TreeMap<>();
    int nonEmpty = 0;
    for (int shard = 0; shard < 3; shard++) {
      SortedMap<BlockId, BlockMeta> part = shard("""
          - action: hashmod
            source_labels: [__block_id]
            target_label: shard
            modulus: 3
          - action: keep
            source_labels: [shard]
            regex: "%d"
          """.formatted(shard), blocks);
      for (BlockId id : part.keySet()) {
        assertThat(all.put(id, part.get(id))).as("block %s in two shards", id).isNull();
      }
      nonEmpty += part.isEmpty() ? 0 : 1;
      for (BlockId id : part.keySet()) {
        assertThat(Long.remainderUnsigned(RelabelConfig.md5Sum64(id.toString()), 3)).isEqualTo(shard);
      }
    }
    assertThat(all).hasSize(blocks.length);
    assertThat(nonEmpty).isEqualTo(3);
  }

  @Test
  void hashmodMatchesPrometheus() {
    // Reference values: Go's sum64(md5.Sum(value)) is the last 8 digest bytes, big-endian.
    assertThat(Long.toUnsignedString(RelabelConfig.md5Sum64("abc"))).isEqualTo("15462616177412505458");
    assertThat(Long.toUnsignedString(RelabelConfig.md5Sum64("01ARZ3NDEKTSV4RRFFQ69G5FAV"))).isEqualTo("8927341293638776300");
    assertThat(Long.toUnsignedString(RelabelConfig.md5Sum64(""))).isEqualTo("16825458760271544958");
    dev.hypnos.core.labels.Labels out = RelabelConfig.process(dev.hypnos.core.labels.Labels.of("a", "abc"),
        RelabelConfig.parseList("- {action: hashmod, source_labels: [a], target_label: h, modulus: 7}\n", "test",
            RelabelConfig.SELECTOR_ACTIONS));
    assertThat((Object) out).isNotNull();
    assertThat(out.get("h")).isEqualTo("0");
  }

  @Test
  void labelmapCopiesMatchingLabelsUnderNewNames() {
    BlockMeta b = labelled("tenant_id", "t1", "region", "eu");
    assertThat(shard("""
        - action: labelmap
          regex: tenant_(.*)
          replacement: "x_${1}"
        - action: keep
          source_labels: [x_id]
          regex: t1
        """, b)).containsOnlyKeys(b.ulid());
  }

  @Test
  void relabelConfigErrorsNameTheEntryAndTheProblem() {
    record Case(String yaml, String message) {}
    List<Case> cases = List.of(
        new Case("- source_labels: [a]\n", "relabel config #1: action \"replace\" is not supported here; "
            + "supported: keep, drop, hashmod, labelmap"),
        new Case("- action: keep\n  source_labels: [a]\n- action: labeldrop\n  regex: a\n",
            "relabel config #2: action \"labeldrop\" is not supported"),
        new Case("- action: hashmod\n  source_labels: [a]\n  target_label: s\n", "requires a non-zero modulus"),
        new Case("- action: hashmod\n  source_labels: [a]\n  modulus: 2\n", "requires target_label"),
        new Case("- action: keep\n  source_labels: [a]\n  regex: \"(\"\n", "invalid regex \"(\""),
        new Case("- action: keep\n  source_label: [a]\n", "unknown field \"source_label\""),
        new Case("- action: keep\n", "action keep requires source_labels"),
        new Case("action: keep\n", "expected a YAML list of relabel configs"),
        new Case("- [", "sel.yaml: parse YAML"),
        new Case("- action: hashmod\n  source_labels: [a]\n  target_label: s\n  modulus: -1\n",
            "modulus -1 is not an unsigned 64-bit integer"));
    for (Case c : cases) {
      assertThatThrownBy(() -> RelabelConfig.parseList(c.yaml(), "sel.yaml", RelabelConfig.SELECTOR_ACTIONS), c.yaml())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c.message())
          .hasMessageStartingWith("sel.yaml");
    }
    assertThat(RelabelConfig.parseList("", "empty", RelabelConfig.SELECTOR_ACTIONS)).isEmpty();
    assertThat(RelabelConfig.parseList("[]", "empty list", RelabelConfig.SELECTOR_ACTIONS)).isEmpty();
    assertThat(RelabelConfig.parseList("- action: KEEP\n  source_labels: [a]\n", "upper", RelabelConfig.SELECTOR_ACTIONS))
        .singleElement().extracting(RelabelConfig::action).isEqualTo(RelabelConfig.Action.KEEP);
  }

  // --- duplicates -----------------------------------------------------------------------------

  @Test
  void duplicatesOfACompactedBlockAreLeftOut() {
    BlockId s1 = idAt(NOW.minus(Duration.ofHours(10)));
    BlockId s2 = idAt(NOW.minus(Duration.ofHours(8)));
    BlockMeta b1 = sourced(s1, Map.of("r", "a"), s1);
    BlockMeta b2 = sourced(s2, Map.of("r", "a"), s2);
    BlockMeta compacted = sourced(idAt(NOW.minus(Duration.ofHours(1))), Map.of("r", "a"), s1, s2);
    BlockMeta otherGroup = sourced(s1, Map.of("r", "b"), s1);
    SortedMap<BlockId, BlockMeta> metas = map(b1, b2, compacted);
    metas.put(idAt(NOW), otherGroup);
    SyncCounts counts = new SyncCounts();
    new DeduplicateFilter().filter(metas, counts);
    assertThat(metas.values()).containsExactlyInAnyOrder(compacted, otherGroup);
    assertThat(counts.get(SyncState.DUPLICATE)).isEqualTo(2);
  }

  private static BlockMeta sourced(BlockId id, Map<String, String> labels, BlockId... sources) {
    return new BlockMeta(id, 0, 1, null, new BlockMeta.Compaction(sources.length > 1 ? 2 : 1, List.of(sources), false,
        List.of(), false, List.of()), BlockMeta.VERSION_1, BlockMeta.Thanos.of(labels, 0, "compactor"));
  }

  // --- all together ---------------------------------------------------------------------------

  @Test
  void theFetcherAppliesEveryFilterAndCountsEachState() throws IOException {
    BlockMeta served = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(2))), ms("2026-02-27T00:00:00Z"),
        ms("2026-02-27T02:00:00Z"), Map.of("region", "eu"), "sidecar"));
    BlockMeta tooOld = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(2))), ms("2025-01-01T00:00:00Z"),
        ms("2025-01-01T02:00:00Z"), Map.of("region", "eu"), "sidecar"));
    BlockMeta otherRegion = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(2))), ms("2026-02-27T00:00:00Z"),
        ms("2026-02-27T02:00:00Z"), Map.of("region", "us"), "sidecar"));
    BlockMeta fresh = put(bucket, meta(idAt(NOW.minus(Duration.ofMinutes(5))), ms("2026-02-27T00:00:00Z"),
        ms("2026-02-27T02:00:00Z"), Map.of("region", "eu"), "sidecar"));
    BlockMeta deleted = put(bucket, meta(idAt(NOW.minus(Duration.ofDays(2))), ms("2026-02-27T00:00:00Z"),
        ms("2026-02-27T02:00:00Z"), Map.of("region", "eu"), "sidecar"));
    markForDeletion(bucket, deleted.ulid(), NOW.minus(Duration.ofDays(2)));
    upload(bucket, idAt(NOW.minus(Duration.ofDays(1))) + "/index", "partial");

    MetaFetcher f = new MetaFetcher(bucket, null, 2, List.of(
        new TimePartitionFilter(TimeOrDuration.parse("-4w"), TimeOrDuration.parse(TimeOrDuration.MAX_DEFAULT), clock),
        new LabelShardFilter(RelabelConfig.parseList("- {action: keep, source_labels: [region], regex: eu}", "sel",
            RelabelConfig.SELECTOR_ACTIONS)),
        new ConsistencyDelayFilter(Duration.ofMinutes(30), clock),
        new DeletionMarkFilter(bucket, Duration.ofHours(24), 2, clock),
        new DeduplicateFilter()), null);
    FetchResult r = f.fetch();
    assertThat(r.metas()).containsOnlyKeys(served.ulid());
    assertThat(r.counts().toMap()).containsAllEntriesOf(Map.of(
        SyncState.LOADED, 1, SyncState.TIME_EXCLUDED, 1, SyncState.LABEL_EXCLUDED, 1, SyncState.TOO_FRESH, 1,
        SyncState.MARKED_FOR_DELETION, 1, SyncState.NO_META, 1, SyncState.CORRUPTED_META, 0, SyncState.FAILED, 0));
    assertThat(List.of(tooOld, otherRegion, fresh, deleted)).allSatisfy(b -> assertThat(r.metas()).doesNotContainKey(b.ulid()));
  }
}
