/**
 * One block served from a bucket: {@link dev.hypnos.storegateway.block.BucketBlock} reads
 * postings lists, series entries and chunks by byte ranges of the bucket objects, merging nearby
 * ranges ({@link dev.hypnos.storegateway.block.Partitioner}) into one request each, streaming every
 * request so that memory holds the entries picked out, never the ranges read, and checking every
 * CRC. {@link dev.hypnos.storegateway.block.IndexCache} caches postings lists and series entries.
 */
@NullMarked
package dev.hypnos.storegateway.block;

import org.jspecify.annotations.NullMarked;
