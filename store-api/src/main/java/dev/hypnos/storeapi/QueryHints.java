package dev.hypnos.storeapi;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the querier will do with the selected series ({@code thanos.QueryHints}), so a store can
 * prepare less data. Purely advisory.
 *
 * @param stepMillis query step, 0 for none
 * @param func name of the enclosing function, "" for none
 * @param grouping the enclosing aggregation's grouping, null when none was sent
 * @param rangeMillis range of the enclosing range selector, 0 for none
 */
public record QueryHints(long stepMillis, String func, @Nullable Grouping grouping, long rangeMillis) {
  public QueryHints {
    Objects.requireNonNull(func, "func");
  }

  /** An aggregation's {@code by (labels)} or {@code without (labels)}. */
  public record Grouping(boolean by, List<String> labels) {
    public Grouping {
      labels = List.copyOf(labels);
    }
  }
}
