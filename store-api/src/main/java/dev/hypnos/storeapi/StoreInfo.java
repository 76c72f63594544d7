package dev.hypnos.storeapi;

import dev.hypnos.core.labels.Labels;
import java.util.List;

/**
 * What a store tells the querier about itself ({@code thanos.info.InfoResponse} with its
 * {@code StoreInfo}): the external label sets it serves, its time range and what it supports.
 *
 * @param labelSets external label sets of the data behind the store (one per TSDB, deduplicated)
 * @param minTime earliest sample it may have, milliseconds ({@code Long.MIN_VALUE} when unknown)
 * @param maxTime latest sample it may have, milliseconds ({@code Long.MAX_VALUE} for "up to now")
 * @param supportsSharding whether it honours {@link SeriesRequest#shardInfo}
 * @param supportsWithoutReplicaLabels whether it honours {@link SeriesRequest#withoutReplicaLabels}
 * @param tsdbInfos per-TSDB labels and ranges
 */
public record StoreInfo(
    List<Labels> labelSets,
    long minTime,
    long maxTime,
    boolean supportsSharding,
    boolean supportsWithoutReplicaLabels,
    List<TsdbInfo> tsdbInfos) {
  public StoreInfo {
    labelSets = List.copyOf(labelSets);
    tsdbInfos = List.copyOf(tsdbInfos);
  }
}
