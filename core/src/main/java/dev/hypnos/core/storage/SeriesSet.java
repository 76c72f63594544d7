package dev.hypnos.core.storage;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * A pull iterator over series sorted by labels ({@code Labels.compareTo}), each label set at
 * most once. Usage: {@code while (set.next()) { Series s = set.at(); }}. The series returned by
 * {@link #at} may be invalidated by the following {@link #next}.
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
