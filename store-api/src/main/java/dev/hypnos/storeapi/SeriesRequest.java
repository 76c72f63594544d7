package dev.hypnos.storeapi;

import com.google.protobuf.Any;
import dev.hypnos.core.labels.Matcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request for the series matching all {@code matchers} with samples in {@code [minTime,
 * maxTime]} ({@code thanos.SeriesRequest}). Build one with {@link #builder}.
 *
 * @param minTime earliest sample wanted, milliseconds, inclusive
 * @param maxTime latest sample wanted, milliseconds, inclusive
 * @param matchers at least one matcher; all must match. Regexes are fully anchored. A matcher on
 *     an external label is checked against the store's external labels.
 * @param maxResolutionWindow the coarsest downsampling resolution acceptable, milliseconds; 0 for
 *     raw data only
 * @param aggregates aggregates wanted from downsampled chunks (empty for raw)
 * @param skipChunks labels only: series are sent without chunks
 * @param withoutReplicaLabels label names to strip from every series; the output is sorted
 *     without them
 * @param limit at most this many series; 0 for no limit
 * @param responseBatchSize series per response frame the client would like; 0 or 1 for one
 *     series per frame
 * @param shardInfo the shard wanted, null for all series
 * @param queryHints what the querier will do with the data, null when not sent
 * @param hints store-specific hints ({@code hintspb.SeriesRequestHints} for a store gateway),
 *     passed through unparsed; null when absent
 * @param partialResponseStrategy what a fan-out does when a store fails
 */
public record SeriesRequest(
    long minTime,
    long maxTime,
    List<Matcher> matchers,
    long maxResolutionWindow,
    List<Aggregate> aggregates,
    boolean skipChunks,
    List<String> withoutReplicaLabels,
    long limit,
    int responseBatchSize,
    @Nullable ShardInfo shardInfo,
    @Nullable QueryHints queryHints,
    @Nullable Any hints,
    PartialResponseStrategy partialResponseStrategy) {

  /**
   * @throws StoreApiException INVALID_ARGUMENT when {@code minTime > maxTime}, when there is no
   *     matcher, or when a count is negative
   */
  public SeriesRequest {
    matchers = List.copyOf(matchers);
    aggregates = List.copyOf(aggregates);
    withoutReplicaLabels = List.copyOf(withoutReplicaLabels);
    Objects.requireNonNull(partialResponseStrategy, "partialResponseStrategy");
    if (minTime > maxTime) {
      throw StoreApiException.invalidArgument(
          "check series request: min time " + minTime + " is after max time " + maxTime);
    }
    if (matchers.isEmpty()) {
      throw StoreApiException.invalidArgument("check series request: no matchers specified");
    }
    if (maxResolutionWindow < 0) {
      throw StoreApiException.invalidArgument(
          "check series request: max resolution window " + maxResolutionWindow + " is negative");
    }
    if (limit < 0) {
      throw StoreApiException.invalidArgument("check series request: limit " + limit + " is negative");
    }
    if (responseBatchSize < 0) {
      throw StoreApiException.invalidArgument(
          "check series request: response batch size " + responseBatchSize + " is negative");
    }
  }

  /** A builder with the given range and matchers; everything else at its default. */
  public static Builder builder(long minTime, long maxTime, List<Matcher> matchers) {
    return new Builder(minTime, maxTime, matchers);
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    Builder b = new Builder(minTime, maxTime, matchers);
    b.maxResolutionWindow = maxResolutionWindow;
    b.aggregates = new ArrayList<>(aggregates);
    b.skipChunks = skipChunks;
    b.withoutReplicaLabels = new ArrayList<>(withoutReplicaLabels);
    b.limit = limit;
    b.responseBatchSize = responseBatchSize;
    b.shardInfo = shardInfo;
    b.queryHints = queryHints;
    b.hints = hints;
    b.partialResponseStrategy = partialResponseStrategy;
    return b;
  }

  /** Whether the series stream should be cut at {@link #limit} series. */
  public boolean hasLimit() {
    return limit > 0;
  }

  /** Mutable builder; {@link #build} validates. Not thread-safe. */
  public static final class Builder {
    private long minTime;
    private long maxTime;
    private List<Matcher> matchers;
    private long maxResolutionWindow;
    private List<Aggregate> aggregates = new ArrayList<>();
    private boolean skipChunks;
    private List<String> withoutReplicaLabels = new ArrayList<>();
    private long limit;
    private int responseBatchSize;
    private @Nullable ShardInfo shardInfo;
    private @Nullable QueryHints queryHints;
    private @Nullable Any hints;
    private PartialResponseStrategy partialResponseStrategy = PartialResponseStrategy.WARN;

    private Builder(long minTime, long maxTime, List<Matcher> matchers) {
      this.minTime = minTime;
      this.maxTime = maxTime;
      this.matchers = List.copyOf(matchers);
    }

    public Builder timeRange(long minTime, long maxTime) {
      this.minTime = minTime;
      this.maxTime = maxTime;
      return this;
    }

    public Builder matchers(List<Matcher> matchers) {
      this.matchers = List.copyOf(matchers);
      return this;
    }

    public Builder maxResolutionWindow(long millis) {
      this.maxResolutionWindow = millis;
      return this;
    }

    public Builder aggregates(List<Aggregate> aggregates) {
      this.aggregates = new ArrayList<>(aggregates);
      return this;
    }

    public Builder skipChunks(boolean skipChunks) {
      this.skipChunks = skipChunks;
      return this;
    }

    public Builder withoutReplicaLabels(List<String> names) {
      this.withoutReplicaLabels = new ArrayList<>(names);
      return this;
    }

    public Builder limit(long limit) {
      this.limit = limit;
      return this;
    }

    public Builder responseBatchSize(int size) {
      this.responseBatchSize = size;
      return this;
    }

    public Builder shardInfo(@Nullable ShardInfo shardInfo) {
      this.shardInfo = shardInfo;
      return this;
    }

    public Builder queryHints(@Nullable QueryHints queryHints) {
      this.queryHints = queryHints;
      return this;
    }

    public Builder hints(@Nullable Any hints) {
      this.hints = hints;
      return this;
    }

    public Builder partialResponseStrategy(PartialResponseStrategy strategy) {
      this.partialResponseStrategy = strategy;
      return this;
    }

    /**
     * @throws StoreApiException INVALID_ARGUMENT as the record constructor does
     */
    public SeriesRequest build() {
      return new SeriesRequest(
          minTime,
          maxTime,
          matchers,
          maxResolutionWindow,
          aggregates,
          skipChunks,
          withoutReplicaLabels,
          limit,
          responseBatchSize,
          shardInfo,
          queryHints,
          hints,
          partialResponseStrategy);
    }
  }
}
