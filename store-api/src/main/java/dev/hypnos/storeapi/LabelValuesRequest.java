package dev.hypnos.storeapi;

import com.google.protobuf.Any;
import dev.hypnos.core.labels.Matcher;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request for the values of label {@code label} over the series with samples in {@code [start,
 * end]} that match all {@code matchers} ({@code thanos.LabelValuesRequest}).
 *
 * @param label the label name, not empty
 * @param start milliseconds, inclusive
 * @param end milliseconds, inclusive
 * @param matchers may be empty: then every series in range counts
 * @param limit at most this many values; 0 for no limit
 * @param withoutReplicaLabels asking for one of these names gives no values
 * @param hints store-specific hints, passed through unparsed; null when absent
 */
public record LabelValuesRequest(
    String label,
    long start,
    long end,
    List<Matcher> matchers,
    long limit,
    List<String> withoutReplicaLabels,
    @Nullable Any hints) {

  /**
   * @throws StoreApiException INVALID_ARGUMENT when the label is empty, {@code start > end} or the
   *     limit is negative
   */
  public LabelValuesRequest {
    Objects.requireNonNull(label, "label");
    matchers = List.copyOf(matchers);
    withoutReplicaLabels = List.copyOf(withoutReplicaLabels);
    if (label.isEmpty()) {
      throw StoreApiException.invalidArgument("check label values request: the label name is empty");
    }
    if (start > end) {
      throw StoreApiException.invalidArgument(
          "check label values request for " + label + ": start " + start + " is after end " + end);
    }
    if (limit < 0) {
      throw StoreApiException.invalidArgument(
          "check label values request for " + label + ": limit " + limit + " is negative");
    }
  }

  /** A request with no limit, no replica labels and no hints. */
  public static LabelValuesRequest of(String label, long start, long end, List<Matcher> matchers) {
    return new LabelValuesRequest(label, start, end, matchers, 0, List.of(), null);
  }
}
