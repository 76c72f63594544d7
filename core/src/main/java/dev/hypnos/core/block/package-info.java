/**
 * TSDB blocks on local disk: {@link dev.hypnos.core.block.BlockId} (ULID), {@link
 * dev.hypnos.core.block.BlockMeta} and {@link dev.hypnos.core.block.BlockMetaJson} for
 * {@code meta.json}, {@link dev.hypnos.core.block.ChunkSegmentReader} for {@code chunks/},
 * {@link dev.hypnos.core.block.Tombstones}, and {@link dev.hypnos.core.block.BlockReader} tying
 * them together. File layouts are summarised in FORMAT.md beside these sources.
 */
@NullMarked
package dev.hypnos.core.block;

import org.jspecify.annotations.NullMarked;
