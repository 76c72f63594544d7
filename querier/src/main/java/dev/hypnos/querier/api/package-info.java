/**
 * The Prometheus HTTP API of the querier: {@link dev.hypnos.querier.api.PrometheusApi} (routes,
 * parameters, Thanos extensions), {@link dev.hypnos.querier.api.PromJson} (byte-compatible JSON)
 * and {@link dev.hypnos.querier.api.ApiErrorMapper} (the one place exceptions become HTTP codes).
 */
@NullMarked
package dev.hypnos.querier.api;

import org.jspecify.annotations.NullMarked;
