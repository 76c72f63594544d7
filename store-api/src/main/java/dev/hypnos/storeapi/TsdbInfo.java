package dev.hypnos.storeapi;

import dev.hypnos.core.labels.Labels;
import java.util.Objects;

/**
 * One TSDB (for a store gateway: one set of blocks sharing external labels) behind a store: its
 * external labels and time range ({@code thanos.info.TSDBInfo}).
 */
public record TsdbInfo(Labels labels, long minTime, long maxTime) {
  public TsdbInfo {
    Objects.requireNonNull(labels, "labels");
  }
}
