package dev.hypnos.core.storage;

import dev.hypnos.core.labels.Matcher;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * Read access to series over a fixed time range ({@link Queryable#querier}). What PromQL and the
 * Store API read from, whatever lies behind: blocks, a fan-out over stores, memory.
 *
 * <p>Concurrency: one querier serves one query; implementations need not be thread-safe.
 */
public interface Querier extends Closeable {
  /**
   * The series matching all {@code matchers}, sorted by labels, with samples limited to the
   * hints' range. A series with no sample in range may or may not be returned.
   */
  SeriesSet select(SelectHints hints, List<Matcher> matchers) throws IOException;

  /** Sorted distinct values of label {@code name} over series matching {@code matchers} (all when empty). */
  List<String> labelValues(String name, List<Matcher> matchers) throws IOException;

  /** Sorted distinct label names over series matching {@code matchers} (all when empty). */
  List<String> labelNames(List<Matcher> matchers) throws IOException;

  @Override
  default void close() throws IOException {}
}
