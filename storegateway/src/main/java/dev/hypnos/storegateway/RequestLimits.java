package dev.hypnos.storegateway;

import dev.hypnos.storeapi.StoreApiException;

/**
 * The per-request limits {@code --store.limits.request-series} and {@code
 * --store.limits.request-samples}, counted as one Series call touches series and chunks.
 *
 * <p>Samples are estimated as Thanos does, before any chunk is fetched: every chunk counts as
 * {@value #MAX_SAMPLES_PER_CHUNK} samples (so the samples limit is in effect a limit of
 * {@code samples / 120} chunks). A limit of 0 means none.
 *
 * <p>Concurrency: thread-safe; one per request, shared by its block streams.
 */
final class RequestLimits {
  /** Thanos's {@code MaxSamplesPerChunk}. */
  static final long MAX_SAMPLES_PER_CHUNK = 120;

  private final long maxSeries;
  private final long maxSamples;
  private long series;
  private long chunks;

  RequestLimits(long maxSeries, long maxSamples) {
    this.maxSeries = maxSeries;
    this.maxSamples = maxSamples;
  }

  synchronized void reserveSeries(long n) {
    series += n;
    if (maxSeries > 0 && series > maxSeries) {
      throw StoreApiException.resourceExhausted("exceeded series limit: the request touched more than " + maxSeries
          + " series (--store.limits.request-series=" + maxSeries + ")");
    }
  }

  synchronized void reserveChunks(long n) {
    chunks += n;
    if (maxSamples > 0 && chunks > maxSamples / MAX_SAMPLES_PER_CHUNK) {
      throw StoreApiException.resourceExhausted("exceeded samples limit: the request touched " + chunks
          + " chunks, estimated at " + chunks * MAX_SAMPLES_PER_CHUNK + " samples, more than " + maxSamples
          + " (--store.limits.request-samples=" + maxSamples + ")");
    }
  }
}
