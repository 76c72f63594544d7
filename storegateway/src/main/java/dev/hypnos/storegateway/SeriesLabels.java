package dev.hypnos.storegateway;

import dev.hypnos.core.labels.Labels;
import java.util.Arrays;
import java.util.Set;

/**
 * The label set a series is sent with: its own labels extended by the block's external labels
 * (the external value wins on a name both have), minus the request's replica labels.
 *
 * <p>Concurrency: immutable, safe to share.
 */
final class SeriesLabels {
  private final Labels external;
  private final Set<String> drop;
  private final boolean identity;

  SeriesLabels(Labels external, Set<String> drop) {
    this.external = external;
    this.drop = drop;
    this.identity = drop.isEmpty() && external.isEmpty();
  }

  /** Whether {@link #apply} returns its argument unchanged for every series. */
  boolean isIdentity() {
    return identity;
  }

  Labels apply(Labels series) {
    if (identity) {
      return series;
    }
    int n = series.size();
    String[] kv = new String[n * 2];
    for (int i = 0; i < n; i++) {
      kv[2 * i] = series.name(i);
      kv[2 * i + 1] = series.value(i);
    }
    return apply(kv, 0, kv.length);
  }

  /**
   * The label set for a series whose own labels are {@code kv[from..to)}, names and values
   * alternating, sorted by name; builds one array, {@code kv} is not changed.
   */
  Labels apply(String[] kv, int from, int to) {
    int e = external.size();
    if (identity) {
      return Labels.fromSortedUnsafe(Arrays.copyOfRange(kv, from, to));
    }
    String[] out = new String[to - from + e * 2];
    int i = from;
    int j = 0;
    int k = 0;
    boolean dropping = !drop.isEmpty();
    while (i < to || j < e) {
      String name;
      String value;
      if (j >= e) {
        name = kv[i];
        value = kv[i + 1];
        i += 2;
      } else if (i >= to) {
        name = external.name(j);
        value = external.value(j++);
      } else {
        int c = Labels.compareStrings(kv[i], external.name(j));
        if (c < 0) {
          name = kv[i];
          value = kv[i + 1];
          i += 2;
        } else {
          name = external.name(j);
          value = external.value(j++);
          if (c == 0) {
            i += 2;
          }
        }
      }
      if (!dropping || !drop.contains(name)) {
        out[k++] = name;
        out[k++] = value;
      }
    }
    return Labels.fromSortedUnsafe(k == out.length ? out : Arrays.copyOf(out, k));
  }
}
