package dev.hypnos.storeapi;

import com.google.protobuf.Any;
import dev.hypnos.core.labels.Matcher;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A request for the label names of the series with samples in {@code [start, end]} that match
 * all {@code matchers} ({@code thanos.LabelNamesRequest}).
 *
 * @param start milliseconds, inclusive
 * @param end milliseconds, inclusive
 * @param matchers may be empty: then every series in range counts
 * @param limit at most this many names; 0 for no limit
 * @param withoutReplicaLabels names left out of the answer
 * @param hints store-specific hints, passed through unparsed; null when absent
 */
public record LabelNamesRequest(
    long start, long end, List<Matcher> matchers, long limit, List<String> withoutReplicaLabels, @Nullable Any hints) {

  /** @throws StoreApiException INVALID_ARGUMENT when {@code start > end} or the limit is negative */
  public LabelNamesRequest {
    matchers = List.copyOf(matchers);
    withoutReplicaLabels = List.copyOf(withoutReplicaLabels);
    if (start > end) {
      throw StoreApiException.invalidArgument(
          "check label names request: start " + start + " is after end " + end);
    }
    if (limit < 0) {
      throw StoreApiException.invalidArgument("check label names request: limit " + limit + " is negative");
    }
  }

  /** A request with no limit, no replica labels and no hints. */
  public static LabelNamesRequest of(long start, long end, List<Matcher> matchers) {
    return new LabelNamesRequest(start, end, matchers, 0, List.of(), null);
  }
}
