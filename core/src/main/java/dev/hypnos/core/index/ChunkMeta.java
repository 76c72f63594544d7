package dev.hypnos.core.index;

/**
 * Where a chunk of a series lives and what time range it covers, as recorded in the index.
 *
 * @param minTime timestamp (ms) of the chunk's first sample
 * @param maxTime timestamp (ms) of the chunk's last sample, inclusive
 * @param ref chunk reference: segment index in the high 32 bits, byte offset in the low 32
 */
public record ChunkMeta(long minTime, long maxTime, long ref) {
  public ChunkMeta {
    if (maxTime < minTime) {
      throw new IllegalArgumentException("chunk maxTime " + maxTime + " before minTime " + minTime);
    }
  }
}
