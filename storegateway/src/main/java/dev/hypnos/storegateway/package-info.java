/**
 * The store gateway: {@link dev.hypnos.storegateway.BucketStore} serves the Thanos Store API over
 * the blocks of a bucket, reading each block by byte ranges
 * ({@link dev.hypnos.storegateway.block}) and resolving matchers through local index-headers
 * ({@link dev.hypnos.storegateway.indexheader}). Block discovery lives in {@code sync}.
 */
@NullMarked
package dev.hypnos.storegateway;

import org.jspecify.annotations.NullMarked;
