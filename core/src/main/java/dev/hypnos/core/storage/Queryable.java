package dev.hypnos.core.storage;

import java.io.IOException;

/** A source of series that can be queried over time ranges. Thread-safe. */
@FunctionalInterface
public interface Queryable {
  /** A querier for data in {@code [minTime, maxTime]} (milliseconds, closed). */
  Querier querier(long minTime, long maxTime) throws IOException;
}
