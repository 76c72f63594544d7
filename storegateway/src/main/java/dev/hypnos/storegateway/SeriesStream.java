package dev.hypnos.storegateway;

import dev.hypnos.storeapi.StoreSeries;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** A pull stream of series; not thread-safe. */
interface SeriesStream {
  /**
   * A series as it is sent, and whether its own labels (in its block, before external labels and
   * replica-label removal) are those of the last series that did not extend another plus more:
   * only such runs can be reordered by external labels (see {@link SortingStreams}).
   */
  record Item(StoreSeries series, boolean extendsRoot) {}

  /** The next series, or null at the end. */
  @Nullable Item next() throws IOException;
}
