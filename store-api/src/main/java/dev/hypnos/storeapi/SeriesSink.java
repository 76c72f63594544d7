package dev.hypnos.storeapi;

/**
 * Where a {@link StoreApi#series} implementation sends its responses, one at a time, in stream
 * order.
 *
 * <p>Backpressure: {@link #send} may block until the consumer can take more (the gRPC adapter
 * waits for the client's flow-control window), so an implementation that produces series lazily
 * holds only what is in flight. A producer must therefore not hold locks others need while
 * sending.
 *
 * <p>Cancellation: when the consumer is gone (client cancelled, deadline passed, it stopped
 * reading), {@code send} throws a {@link StoreApiException} of category CANCELLED. The producer
 * lets it propagate (after releasing its resources), which ends the call.
 *
 * <p>Concurrency: one producer thread at a time; not thread-safe.
 */
@FunctionalInterface
public interface SeriesSink {
  /**
   * Hands one response to the consumer.
   *
   * @throws StoreApiException CANCELLED when the consumer has gone away; other categories when the
   *     consumer itself fails
   */
  void send(SeriesResponse response);

  /** Sends a series. */
  default void series(StoreSeries series) {
    send(new SeriesResponse.SeriesItem(series));
  }

  /** Sends a warning. */
  default void warning(String message) {
    send(new SeriesResponse.Warning(message));
  }
}
