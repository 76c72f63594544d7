package dev.hypnos.storegateway;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.storeapi.StoreSeries;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** A pull stream of series; not thread-safe. */
interface SeriesStream {
  /** A series with the labels it had in its block (for ordering checks) and as it is sent. */
  record Item(Labels original, StoreSeries series) {}

  /** The next series, or null at the end. */
  @Nullable Item next() throws IOException;
}
