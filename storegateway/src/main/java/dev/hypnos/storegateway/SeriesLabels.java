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

  SeriesLabels(Labels external, Set<String> drop) {
    this.external = external;
    this.drop = drop;
  }

  /** Whether {@link #apply} returns its argument unchanged for every series. */
  boolean isIdentity() {
    if (!drop.isEmpty()) {
      return false;
    }
    return external.isEmpty();
  }

  Labels apply(Labels series) {
    if (isIdentity()) {
      return series;
    }
    int n = series.size();
    int e = external.size();
    String[] kv = new String[(n + e) * 2];
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < n || j < e) {
      String name;
      String value;
      if (j >= e) {
        name = series.name(i);
        value = series.value(i++);
      } else if (i >= n) {
        name = external.name(j);
        value = external.value(j++);
      } else {
        int c = Labels.compareStrings(series.name(i), external.name(j));
        if (c < 0) {
          name = series.name(i);
          value = series.value(i++);
        } else {
          name = external.name(j);
          value = external.value(j++);
          if (c == 0) {
            i++;
          }
        }
      }
      if (!drop.contains(name)) {
        kv[k++] = name;
        kv[k++] = value;
      }
    }
    return Labels.fromSortedUnsafe(k == kv.length ? kv : Arrays.copyOf(kv, k));
  }
}
