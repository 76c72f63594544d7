package dev.hypnos.storeapi;

import dev.hypnos.core.labels.Labels;
import java.util.List;
import java.util.Objects;

/**
 * One series as the Store API sends it: its full label set (external labels included, sorted by
 * name) and its chunks, sorted by min time, possibly overlapping. Empty chunks when the request
 * asked for {@code skip_chunks}.
 */
public record StoreSeries(Labels labels, List<StoreChunk> chunks) {
  public StoreSeries {
    Objects.requireNonNull(labels, "labels");
    chunks = List.copyOf(chunks);
  }
}
