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

  /** Warnings gathered while reading (e.g. a partial response); complete once next() returned false. */
  default List<String> warnings() {
    return List.of();
  }

  @Override
  default void close() throws IOException {}
}
