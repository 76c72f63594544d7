package dev.hypnos.storeapi;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.util.XxHash64;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Which shard of the series a request wants ({@code thanos.ShardInfo}). A series belongs to shard
 * {@code shardIndex} when the xxhash64 of its selected labels, taken unsigned modulo
 * {@code totalShards}, equals {@code shardIndex}. The selected labels are those named in
 * {@code labels} when {@code by} is true, otherwise all labels except those named.
 *
 * @param shardIndex zero-based shard wanted, {@code 0 <= shardIndex < totalShards}
 * @param totalShards number of shards, at least 1
 * @param by whether {@code labels} lists the labels to hash (true) or to leave out (false)
 * @param labels label names
 */
public record ShardInfo(long shardIndex, long totalShards, boolean by, List<String> labels) {
  public ShardInfo {
    labels = List.copyOf(labels);
    if (totalShards < 1 || shardIndex < 0 || shardIndex >= totalShards) {
      throw StoreApiException.invalidArgument(
          "check shard info: shard index " + shardIndex + " of " + totalShards
              + " shards is outside [0, total shards)");
    }
  }

  /** Whether the series with {@code seriesLabels} (sorted) falls into this shard. */
  public boolean matches(Labels seriesLabels) {
    if (totalShards == 1) {
      return true;
    }
    return Long.remainderUnsigned(hash(seriesLabels), totalShards) == shardIndex;
  }

  /**
   * xxhash64 over {@code name 0xFF value 0xFF} of every selected label, in label order, as
   * Thanos's {@code ShardInfo} matcher computes it.
   */
  long hash(Labels seriesLabels) {
    int size = 0;
    byte[][] parts = new byte[seriesLabels.size() * 2][];
    int n = 0;
    for (int i = 0; i < seriesLabels.size(); i++) {
      String name = seriesLabels.name(i);
      if (labels.contains(name) != by) {
        continue;
      }
      parts[n] = name.getBytes(StandardCharsets.UTF_8);
      parts[n + 1] = seriesLabels.value(i).getBytes(StandardCharsets.UTF_8);
      size += parts[n].length + parts[n + 1].length + 2;
      n += 2;
    }
    byte[] buf = new byte[size];
    int p = 0;
    for (int i = 0; i < n; i++) {
      System.arraycopy(parts[i], 0, buf, p, parts[i].length);
      p += parts[i].length;
      buf[p++] = (byte) 0xFF;
    }
    return XxHash64.hash(buf, 0, p);
  }
}
