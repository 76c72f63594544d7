package dev.hypnos.core.index;

import dev.hypnos.core.labels.Labels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reusable holder that {@link IndexReader#series} fills with one series: its labels and its
 * chunk metas in primitive arrays. Reuse one instance across series to avoid per-series garbage
 * beyond the labels themselves.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class SeriesBuilder {
  private Labels labels = Labels.EMPTY;
  private long[] mint = new long[8];
  private long[] maxt = new long[8];
  private long[] refs = new long[8];
  private int chunks;

  /** Clears the chunks and sets the labels. */
  void reset(Labels labels) {
    this.labels = labels;
    this.chunks = 0;
  }

  void addChunk(long minTime, long maxTime, long ref) {
    if (chunks == mint.length) {
      int n = chunks * 2;
      mint = Arrays.copyOf(mint, n);
      maxt = Arrays.copyOf(maxt, n);
      refs = Arrays.copyOf(refs, n);
    }
    mint[chunks] = minTime;
    maxt[chunks] = maxTime;
    refs[chunks] = ref;
    chunks++;
  }

  public Labels labels() {
    return labels;
  }

  public int chunkCount() {
    return chunks;
  }

  public long chunkMinTime(int i) {
    check(i);
    return mint[i];
  }

  public long chunkMaxTime(int i) {
    check(i);
    return maxt[i];
  }

  public long chunkRef(int i) {
    check(i);
    return refs[i];
  }

  private void check(int i) {
    if (i < 0 || i >= chunks) {
      throw new IndexOutOfBoundsException("chunk " + i + " of a series with " + chunks + " chunks");
    }
  }

  /** The chunk metas as immutable values (allocates). */
  public List<ChunkMeta> chunks() {
    List<ChunkMeta> out = new ArrayList<>(chunks);
    for (int i = 0; i < chunks; i++) {
      out.add(new ChunkMeta(mint[i], maxt[i], refs[i]));
    }
    return List.copyOf(out);
  }
}
