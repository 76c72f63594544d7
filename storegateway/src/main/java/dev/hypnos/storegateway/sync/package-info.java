/**
 * Block sync: which blocks of the bucket the store gateway serves. {@link
 * dev.hypnos.storegateway.sync.MetaFetcher} lists the blocks and reads their {@code meta.json}
 * (cached, since it never changes), {@link dev.hypnos.storegateway.sync.MetaFilter}s drop blocks as
 * Thanos's metadata filters do (time range, external-label sharding, consistency delay, deletion
 * marks, duplicates), and {@link dev.hypnos.storegateway.sync.BlockSyncer} repeats that on a
 * schedule and hands each new set to a listener.
 */
@NullMarked
package dev.hypnos.storegateway.sync;

import org.jspecify.annotations.NullMarked;
