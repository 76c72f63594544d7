package dev.hypnos.storeapi;

import java.io.IOException;

/**
 * The Thanos Store API in domain types: what the store gateway, the sidecar and the querier's
 * fan-out implement, and what {@link StoreGrpcService} serves over gRPC.
 *
 * <p>Contract (checked by the {@code StoreApiContract} suite in the testing module):
 *
 * <ul>
 *   <li>Series are sent sorted by labels ({@code Labels.compareTo}, Go byte order), each label set
 *       once. Labels within a series are sorted by name.
 *   <li>External labels are added to every series and win over a series label of the same name.
 *       A matcher on an external label is evaluated against the external label's value.
 *   <li>Regex matchers are fully anchored. A series is sent only when it has samples in the
 *       requested range; its chunks may extend beyond the range.
 *   <li>{@code withoutReplicaLabels}: those labels are removed, and the output is sorted without
 *       them. {@code skipChunks}: series carry no chunks. {@code limit}: at most that many series.
 *   <li>Errors are {@link StoreApiException}s with a category; an {@link IOException} is reported
 *       as an internal error.
 * </ul>
 *
 * <p>Concurrency: implementations are thread-safe; many calls may run at once.
 */
public interface StoreApi {
  /**
   * Streams the series matching the request into {@code sink}, one response at a time, returning
   * once everything was sent. Blocks while the sink applies backpressure.
   *
   * @throws StoreApiException with a category; CANCELLED propagated from the sink when the
   *     consumer went away
   * @throws IOException when reading the underlying data fails
   */
  void series(SeriesRequest request, SeriesSink sink) throws IOException;

  /**
   * Whether {@link #series} for {@code request} reaches its first series quickly and never waits
   * on the network or another process: it reads only data held on this machine (local files,
   * memory) and needs no costly selection before its first series. {@link StoreGrpcService} then
   * tries the call on the thread that received it, without a thread hand-off. False unless a
   * store says so.
   */
  default boolean seriesStartsQuickly(SeriesRequest request) {
    return false;
  }

  /** Label names of the series in range that match the request's matchers. */
  LabelNamesResponse labelNames(LabelNamesRequest request) throws IOException;

  /** Values of one label over the series in range that match the request's matchers. */
  LabelValuesResponse labelValues(LabelValuesRequest request) throws IOException;

  /** What this store serves: external label sets, time range, supported features. */
  StoreInfo info() throws IOException;
}
