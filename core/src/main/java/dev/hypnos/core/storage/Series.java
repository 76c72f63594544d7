package dev.hypnos.core.storage;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.labels.Labels;

/** One series: its labels and its float samples in time order. */
public interface Series {
  Labels labels();

  /**
   * A new iterator over the samples, in ascending timestamp order. Iteration errors (corrupt data)
   * surface through {@link ChunkIterator#error()}.
   */
  ChunkIterator iterator();
}
