package dev.hypnos.storeapi;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.proto.thanos.info.InfoResponse;
import dev.hypnos.proto.thanos.info.TSDBInfo;
import dev.hypnos.proto.thanos.store.AggrChunk;
import dev.hypnos.proto.thanos.store.Chunk;
import dev.hypnos.proto.thanos.store.Func;
import dev.hypnos.proto.thanos.store.Grouping;
import dev.hypnos.proto.thanos.store.LabelMatcher;
import dev.hypnos.proto.thanos.store.Range;
import dev.hypnos.proto.thanos.store.Series;
import dev.hypnos.proto.thanos.store.ZLabelSet;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Conversions between the generated Thanos protobuf messages ({@code dev.hypnos.proto...}) and the
 * Store API domain types. Wire facts kept here:
 *
 * <ul>
 *   <li>{@code Chunk.type} is the chunkenc encoding minus one (XOR = 0, omitted on the wire).
 *   <li>Chunk data is wrapped, not copied, when sending ({@link UnsafeByteOperations}); received
 *       data is copied out of the message.
 *   <li>Request hints ({@code google.protobuf.Any}) pass through unparsed.
 * </ul>
 *
 * Malformed input (a bad regex, an unknown enum number, min time after max time) gives a {@link
 * StoreApiException} of category INVALID_ARGUMENT whose message names the offending part.
 */
public final class ProtoConverters {
  private ProtoConverters() {}

  // ---- matchers

  /**
   * The domain matcher for a wire matcher.
   *
   * @throws StoreApiException INVALID_ARGUMENT for an unknown type or an invalid regex; the
   *     message names the matcher
   */
  public static Matcher toMatcher(LabelMatcher m) {
    MatchType type =
        switch (m.getTypeValue()) {
          case LabelMatcher.Type.EQ_VALUE -> MatchType.EQ;
          case LabelMatcher.Type.NEQ_VALUE -> MatchType.NEQ;
          case LabelMatcher.Type.RE_VALUE -> MatchType.RE;
          case LabelMatcher.Type.NRE_VALUE -> MatchType.NRE;
          default -> throw StoreApiException.invalidArgument(
              "parse label matcher on " + m.getName() + " with value \"" + m.getValue()
                  + "\": unknown matcher type " + m.getTypeValue());
        };
    try {
      return Matcher.of(type, m.getName(), m.getValue());
    } catch (IllegalArgumentException e) {
      throw StoreApiException.invalidArgument("parse " + e.getMessage(), e);
    }
  }

  /** Converts every matcher; see {@link #toMatcher}. */
  public static List<Matcher> toMatchers(List<LabelMatcher> matchers) {
    List<Matcher> out = new ArrayList<>(matchers.size());
    for (LabelMatcher m : matchers) {
      out.add(toMatcher(m));
    }
    return out;
  }

  public static LabelMatcher toProto(Matcher m) {
    LabelMatcher.Type type =
        switch (m.type()) {
          case EQ -> LabelMatcher.Type.EQ;
          case NEQ -> LabelMatcher.Type.NEQ;
          case RE -> LabelMatcher.Type.RE;
          case NRE -> LabelMatcher.Type.NRE;
        };
    return LabelMatcher.newBuilder().setType(type).setName(m.name()).setValue(m.value()).build();
  }

  public static List<LabelMatcher> toProtoMatchers(List<Matcher> matchers) {
    List<LabelMatcher> out = new ArrayList<>(matchers.size());
    for (Matcher m : matchers) {
      out.add(toProto(m));
    }
    return out;
  }

  // ---- labels

  /**
   * A label set from wire labels in any order.
   *
   * @throws StoreApiException INVALID_ARGUMENT when a name occurs twice
   */
  public static Labels toLabels(List<dev.hypnos.proto.thanos.store.Label> labels) {
    List<Label> ls = new ArrayList<>(labels.size());
    for (dev.hypnos.proto.thanos.store.Label l : labels) {
      ls.add(new Label(l.getName(), l.getValue()));
    }
    try {
      return Labels.fromUnsorted(ls);
    } catch (IllegalArgumentException e) {
      throw StoreApiException.invalidArgument("decode label set " + ls + ": " + e.getMessage(), e);
    }
  }

  public static List<dev.hypnos.proto.thanos.store.Label> toProtoLabels(Labels labels) {
    List<dev.hypnos.proto.thanos.store.Label> out = new ArrayList<>(labels.size());
    for (int i = 0; i < labels.size(); i++) {
      out.add(dev.hypnos.proto.thanos.store.Label.newBuilder()
          .setName(labels.name(i))
          .setValue(labels.value(i))
          .build());
    }
    return out;
  }

  public static ZLabelSet toProtoLabelSet(Labels labels) {
    return ZLabelSet.newBuilder().addAllLabels(toProtoLabels(labels)).build();
  }

  // ---- chunks

  /** The wire chunk; the data bytes are wrapped, not copied. */
  public static Chunk toProto(ChunkData c) {
    ByteString data = UnsafeByteOperations.unsafeWrap(c.array(), c.offset(), c.length());
    Chunk.Builder b = Chunk.newBuilder().setData(data).setHash(c.hash());
    if (c.encoding() != ChunkData.Encoding.XOR) {
      b.setTypeValue(c.encoding().wireNumber());
    }
    return b.build();
  }

  /**
   * The domain chunk for a wire chunk; the data is copied out of the message.
   *
   * @throws StoreApiException INVALID_ARGUMENT for an unknown encoding
   */
  public static ChunkData toChunkData(Chunk c) {
    byte[] data = c.getData().toByteArray();
    return new ChunkData(ChunkData.Encoding.ofWireNumber(c.getTypeValue()), data, 0, data.length, c.getHash());
  }

  public static AggrChunk toProto(StoreChunk c) {
    AggrChunk.Builder b = AggrChunk.newBuilder().setMinTime(c.minTime()).setMaxTime(c.maxTime());
    if (c.raw() != null) {
      b.setRaw(toProto(c.raw()));
    }
    if (c.count() != null) {
      b.setCount(toProto(c.count()));
    }
    if (c.sum() != null) {
      b.setSum(toProto(c.sum()));
    }
    if (c.min() != null) {
      b.setMin(toProto(c.min()));
    }
    if (c.max() != null) {
      b.setMax(toProto(c.max()));
    }
    if (c.counter() != null) {
      b.setCounter(toProto(c.counter()));
    }
    return b.build();
  }

  /**
   * @throws StoreApiException INVALID_ARGUMENT for an empty chunk, min time after max time, or an
   *     unknown encoding
   */
  public static StoreChunk toStoreChunk(AggrChunk c) {
    try {
      return new StoreChunk(
          c.getMinTime(),
          c.getMaxTime(),
          c.hasRaw() ? toChunkData(c.getRaw()) : null,
          c.hasCount() ? toChunkData(c.getCount()) : null,
          c.hasSum() ? toChunkData(c.getSum()) : null,
          c.hasMin() ? toChunkData(c.getMin()) : null,
          c.hasMax() ? toChunkData(c.getMax()) : null,
          c.hasCounter() ? toChunkData(c.getCounter()) : null);
    } catch (IllegalArgumentException e) {
      throw StoreApiException.invalidArgument("decode chunk: " + e.getMessage(), e);
    }
  }

  // ---- series

  public static Series toProto(StoreSeries s) {
    Series.Builder b = Series.newBuilder().addAllLabels(toProtoLabels(s.labels()));
    for (StoreChunk c : s.chunks()) {
      b.addChunks(toProto(c));
    }
    return b.build();
  }

  public static StoreSeries toStoreSeries(Series s) {
    Labels labels = toLabels(s.getLabelsList());
    List<StoreChunk> chunks = new ArrayList<>(s.getChunksCount());
    for (AggrChunk c : s.getChunksList()) {
      chunks.add(toStoreChunk(c));
    }
    return new StoreSeries(labels, chunks);
  }

  /** One frame for one response: {@code series}, {@code warning} or {@code hints}. */
  public static dev.hypnos.proto.thanos.store.SeriesResponse toProto(SeriesResponse r) {
    var b = dev.hypnos.proto.thanos.store.SeriesResponse.newBuilder();
    switch (r) {
      case SeriesResponse.SeriesItem s -> b.setSeries(toProto(s.series()));
      case SeriesResponse.Warning w -> b.setWarning(w.message());
      case SeriesResponse.Hints h -> b.setHints(h.hints());
    }
    return b.build();
  }

  /**
   * The domain responses in one frame: a {@code batch} frame gives one item per series, an empty
   * frame (no field set) gives none.
   */
  public static List<SeriesResponse> toSeriesResponses(dev.hypnos.proto.thanos.store.SeriesResponse r) {
    return switch (r.getResultCase()) {
      case SERIES -> List.of(new SeriesResponse.SeriesItem(toStoreSeries(r.getSeries())));
      case WARNING -> List.of(new SeriesResponse.Warning(r.getWarning()));
      case HINTS -> List.of(new SeriesResponse.Hints(r.getHints()));
      case BATCH -> {
        List<SeriesResponse> out = new ArrayList<>(r.getBatch().getSeriesCount());
        for (Series s : r.getBatch().getSeriesList()) {
          out.add(new SeriesResponse.SeriesItem(toStoreSeries(s)));
        }
        yield out;
      }
      case RESULT_NOT_SET -> List.of();
    };
  }

  // ---- series request

  /**
   * The domain request for a wire request. {@code partial_response_disabled} counts as ABORT;
   * the deprecated {@code step} and {@code range} fields are ignored; a negative limit or batch
   * size counts as 0 (none), as in Thanos.
   *
   * @throws StoreApiException INVALID_ARGUMENT for bad matchers, no matchers, min time after max
   *     time, an unknown aggregate or a shard index out of range
   */
  public static SeriesRequest toSeriesRequest(dev.hypnos.proto.thanos.store.SeriesRequest r) {
    List<Aggregate> aggregates = new ArrayList<>(r.getAggregatesCount());
    for (int a : r.getAggregatesValueList()) {
      aggregates.add(Aggregate.ofNumber(a));
    }
    ShardInfo shard = null;
    if (r.hasShardInfo() && r.getShardInfo().getTotalShards() > 0) {
      var s = r.getShardInfo();
      shard = new ShardInfo(s.getShardIndex(), s.getTotalShards(), s.getBy(), s.getLabelsList());
    }
    QueryHints queryHints = null;
    if (r.hasQueryHints()) {
      var q = r.getQueryHints();
      queryHints = new QueryHints(
          q.getStepMillis(),
          q.hasFunc() ? q.getFunc().getName() : "",
          q.hasGrouping()
              ? new QueryHints.Grouping(q.getGrouping().getBy(), q.getGrouping().getLabelsList())
              : null,
          q.hasRange() ? q.getRange().getMillis() : 0);
    }
    return new SeriesRequest(
        r.getMinTime(),
        r.getMaxTime(),
        toMatchers(r.getMatchersList()),
        r.getMaxResolutionWindow(),
        aggregates,
        r.getSkipChunks(),
        r.getWithoutReplicaLabelsList(),
        Math.max(0, r.getLimit()),
        (int) Math.min(Integer.MAX_VALUE, Math.max(0, r.getResponseBatchSize())),
        shard,
        queryHints,
        r.hasHints() ? r.getHints() : null,
        strategy(r.getPartialResponseDisabled(), r.getPartialResponseStrategyValue()));
  }

  public static dev.hypnos.proto.thanos.store.SeriesRequest toProto(SeriesRequest r) {
    var b = dev.hypnos.proto.thanos.store.SeriesRequest.newBuilder()
        .setMinTime(r.minTime())
        .setMaxTime(r.maxTime())
        .addAllMatchers(toProtoMatchers(r.matchers()))
        .setMaxResolutionWindow(r.maxResolutionWindow())
        .setSkipChunks(r.skipChunks())
        .addAllWithoutReplicaLabels(r.withoutReplicaLabels())
        .setLimit(r.limit())
        .setResponseBatchSize(r.responseBatchSize())
        .setPartialResponseStrategy(toProto(r.partialResponseStrategy()));
    for (Aggregate a : r.aggregates()) {
      b.addAggregatesValue(a.number());
    }
    ShardInfo s = r.shardInfo();
    if (s != null) {
      b.setShardInfo(dev.hypnos.proto.thanos.store.ShardInfo.newBuilder()
          .setShardIndex(s.shardIndex())
          .setTotalShards(s.totalShards())
          .setBy(s.by())
          .addAllLabels(s.labels()));
    }
    QueryHints q = r.queryHints();
    if (q != null) {
      var qb = dev.hypnos.proto.thanos.store.QueryHints.newBuilder().setStepMillis(q.stepMillis());
      if (!q.func().isEmpty()) {
        qb.setFunc(Func.newBuilder().setName(q.func()));
      }
      QueryHints.Grouping g = q.grouping();
      if (g != null) {
        qb.setGrouping(Grouping.newBuilder().setBy(g.by()).addAllLabels(g.labels()));
      }
      if (q.rangeMillis() != 0) {
        qb.setRange(Range.newBuilder().setMillis(q.rangeMillis()));
      }
      b.setQueryHints(qb);
    }
    if (r.hints() != null) {
      b.setHints(r.hints());
    }
    return b.build();
  }

  private static PartialResponseStrategy strategy(boolean disabled, int wire) {
    return disabled || wire == dev.hypnos.proto.thanos.store.PartialResponseStrategy.ABORT_VALUE
        ? PartialResponseStrategy.ABORT
        : PartialResponseStrategy.WARN;
  }

  private static dev.hypnos.proto.thanos.store.PartialResponseStrategy toProto(PartialResponseStrategy s) {
    return switch (s) {
      case WARN -> dev.hypnos.proto.thanos.store.PartialResponseStrategy.WARN;
      case ABORT -> dev.hypnos.proto.thanos.store.PartialResponseStrategy.ABORT;
    };
  }

  // ---- label names / values

  /** @throws StoreApiException INVALID_ARGUMENT for bad matchers or start after end */
  public static LabelNamesRequest toLabelNamesRequest(dev.hypnos.proto.thanos.store.LabelNamesRequest r) {
    return new LabelNamesRequest(
        r.getStart(),
        r.getEnd(),
        toMatchers(r.getMatchersList()),
        Math.max(0, r.getLimit()),
        r.getWithoutReplicaLabelsList(),
        r.hasHints() ? r.getHints() : null);
  }

  public static dev.hypnos.proto.thanos.store.LabelNamesRequest toProto(LabelNamesRequest r) {
    var b = dev.hypnos.proto.thanos.store.LabelNamesRequest.newBuilder()
        .setStart(r.start())
        .setEnd(r.end())
        .addAllMatchers(toProtoMatchers(r.matchers()))
        .setLimit(r.limit())
        .addAllWithoutReplicaLabels(r.withoutReplicaLabels());
    if (r.hints() != null) {
      b.setHints(r.hints());
    }
    return b.build();
  }

  /** @throws StoreApiException INVALID_ARGUMENT for bad matchers, an empty label or start after end */
  public static LabelValuesRequest toLabelValuesRequest(dev.hypnos.proto.thanos.store.LabelValuesRequest r) {
    return new LabelValuesRequest(
        r.getLabel(),
        r.getStart(),
        r.getEnd(),
        toMatchers(r.getMatchersList()),
        Math.max(0, r.getLimit()),
        r.getWithoutReplicaLabelsList(),
        r.hasHints() ? r.getHints() : null);
  }

  public static dev.hypnos.proto.thanos.store.LabelValuesRequest toProto(LabelValuesRequest r) {
    var b = dev.hypnos.proto.thanos.store.LabelValuesRequest.newBuilder()
        .setLabel(r.label())
        .setStart(r.start())
        .setEnd(r.end())
        .addAllMatchers(toProtoMatchers(r.matchers()))
        .setLimit(r.limit())
        .addAllWithoutReplicaLabels(r.withoutReplicaLabels());
    if (r.hints() != null) {
      b.setHints(r.hints());
    }
    return b.build();
  }

  public static dev.hypnos.proto.thanos.store.LabelNamesResponse toProto(LabelNamesResponse r) {
    var b = dev.hypnos.proto.thanos.store.LabelNamesResponse.newBuilder()
        .addAllNames(r.names())
        .addAllWarnings(r.warnings());
    if (r.hints() != null) {
      b.setHints(r.hints());
    }
    return b.build();
  }

  public static LabelNamesResponse toLabelNamesResponse(dev.hypnos.proto.thanos.store.LabelNamesResponse r) {
    return new LabelNamesResponse(r.getNamesList(), r.getWarningsList(), r.hasHints() ? r.getHints() : null);
  }

  public static dev.hypnos.proto.thanos.store.LabelValuesResponse toProto(LabelValuesResponse r) {
    var b = dev.hypnos.proto.thanos.store.LabelValuesResponse.newBuilder()
        .addAllValues(r.values())
        .addAllWarnings(r.warnings());
    if (r.hints() != null) {
      b.setHints(r.hints());
    }
    return b.build();
  }

  public static LabelValuesResponse toLabelValuesResponse(dev.hypnos.proto.thanos.store.LabelValuesResponse r) {
    return new LabelValuesResponse(r.getValuesList(), r.getWarningsList(), r.hasHints() ? r.getHints() : null);
  }

  // ---- info

  /** The Info API answer for a store: label sets, the component type and the store section. */
  public static InfoResponse toInfoResponse(StoreInfo info, String componentType) {
    var store = dev.hypnos.proto.thanos.info.StoreInfo.newBuilder()
        .setMinTime(info.minTime())
        .setMaxTime(info.maxTime())
        .setSupportsSharding(info.supportsSharding())
        .setSupportsWithoutReplicaLabels(info.supportsWithoutReplicaLabels());
    for (TsdbInfo t : info.tsdbInfos()) {
      store.addTsdbInfos(TSDBInfo.newBuilder()
          .setLabels(toProtoLabelSet(t.labels()))
          .setMinTime(t.minTime())
          .setMaxTime(t.maxTime()));
    }
    InfoResponse.Builder b = InfoResponse.newBuilder().setComponentType(componentType).setStore(store);
    for (Labels ls : info.labelSets()) {
      b.addLabelSets(toProtoLabelSet(ls));
    }
    return b.build();
  }

  /** The store section of an Info API answer, or null when the endpoint exposes no Store API. */
  public static @Nullable StoreInfo toStoreInfo(InfoResponse r) {
    if (!r.hasStore()) {
      return null;
    }
    List<Labels> labelSets = new ArrayList<>(r.getLabelSetsCount());
    for (ZLabelSet s : r.getLabelSetsList()) {
      labelSets.add(toLabels(s.getLabelsList()));
    }
    var s = r.getStore();
    List<TsdbInfo> tsdbs = new ArrayList<>(s.getTsdbInfosCount());
    for (TSDBInfo t : s.getTsdbInfosList()) {
      tsdbs.add(new TsdbInfo(toLabels(t.getLabels().getLabelsList()), t.getMinTime(), t.getMaxTime()));
    }
    return new StoreInfo(
        labelSets, s.getMinTime(), s.getMaxTime(), s.getSupportsSharding(), s.getSupportsWithoutReplicaLabels(), tsdbs);
  }
}
