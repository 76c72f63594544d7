/**
 * The Thanos Store API in domain types, and its gRPC adapter.
 *
 * <p>Data path: a store implements {@link dev.hypnos.storeapi.StoreApi} (series stream, label
 * names, label values, info) on validated records ({@link dev.hypnos.storeapi.SeriesRequest},
 * {@link dev.hypnos.storeapi.StoreSeries}, {@link dev.hypnos.storeapi.StoreChunk}, the sealed
 * {@link dev.hypnos.storeapi.SeriesResponse}). {@link dev.hypnos.storeapi.StoreGrpcService} and
 * {@link dev.hypnos.storeapi.InfoGrpcService} serve it as {@code thanos.Store} and {@code
 * thanos.info.Info}; {@link dev.hypnos.storeapi.GrpcStoreApiClient} is the other end. Wire facts
 * live in {@link dev.hypnos.storeapi.ProtoConverters}; failures carry a {@link
 * dev.hypnos.storeapi.StoreApiException.Category} that {@link dev.hypnos.storeapi.GrpcStatuses}
 * alone turns into status codes. {@link dev.hypnos.storeapi.QueryableStoreApi} adapts a core
 * {@code Queryable} and is the reference the contract suite ({@code
 * dev.hypnos.testing.storeapi.StoreApiContract}) runs against.
 */
@NullMarked
package dev.hypnos.storeapi;

import org.jspecify.annotations.NullMarked;
