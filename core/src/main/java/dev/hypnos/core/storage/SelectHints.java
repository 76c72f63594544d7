package dev.hypnos.core.storage;

import java.util.List;
import java.util.Objects;

/**
 * What a query will do with the series it selects, so a storage can prepare the least data
 * (Prometheus's {@code storage.SelectHints}). Times are in milliseconds, {@code [start, end]}
 * closed.
 *
 * @param start earliest timestamp needed
 * @param end latest timestamp needed
 * @param step query resolution step, 0 for an instant query
 * @param func name of the enclosing function or aggregation, "" for none
 * @param range range of the enclosing range selector, 0 for none
 * @param grouping labels of the enclosing aggregation's {@code by}/{@code without}
 * @param by true for {@code by}, false for {@code without}
 */
public record SelectHints(long start, long end, long step, String func, long range, List<String> grouping, boolean by) {
  public SelectHints {
    Objects.requireNonNull(func, "func");
    grouping = List.copyOf(grouping);
  }

  /** Hints carrying only a time range. */
  public static SelectHints range(long start, long end) {
    return new SelectHints(start, end, 0, "", 0, List.of(), false);
  }
}
