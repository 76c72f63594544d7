package dev.hypnos.core.storage;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * A pull iterator over series sorted by labels ({@code Labels.compareTo}), each label set at
 * most once. Usage: {@code while (set.next()) { Series s = set.at(); }}. A series returned by
 * {@link #at} stays usable after later calls to {@link #next} (consumers such as deduplication hold
 * several at once), until the set is closed.
 *
 * <p>Concurrency: not thread-safe. Closing releases what the set holds open.
 */
public interface SeriesSet extends Closeable {
  boolean next() throws IOException;

  Series at();

  /**
   * Hands every remaining series to {@code consumer}, in order, as {@code while (next())
   * consumer.accept(at())} does (the default). A set reading from a stream may instead read it on
   * the calling thread and hand each series over as it arrives, with no thread in between.
   */
  default void forEachRemaining(java.util.function.Consumer<Series> consumer) throws IOException {
    while (next()) {
      consumer.accept(at());
    }
  }

  /**
   * A hint that this set will be read later, after others: an implementation may start reading
   * ahead now (e.g. start its store calls on another thread). The default does nothing.
   */
  default void prefetch() {}

  /** Warnings gathered while reading (e.g. a partial response); complete once next() returned false. */
  default List<String> warnings() {
    return List.of();
  }

  @Override
  default void close() throws IOException {}
}
