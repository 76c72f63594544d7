package dev.hypnos.storegateway;

import dev.hypnos.core.block.RawChunk;
import dev.hypnos.core.chunk.AggrChunk;
import dev.hypnos.core.chunk.AggrType;
import dev.hypnos.core.chunk.ChunkEncoding;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.storeapi.Aggregate;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.ShardInfo;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.storegateway.block.BucketBlock;
import dev.hypnos.storegateway.block.SeriesEntry;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The series of one block that match a request, in the block's (index) order, read a batch at a
 * time: up to {@code batchSize} postings, their series entries in one batched read, then the
 * chunks of those series overlapping the range in one batched read. Memory holds one batch.
 *
 * <p>Concurrency: not thread-safe.
 */
final class BlockSeriesStream implements SeriesStream {
  private final BucketBlock block;
  private final PostingsSource source;
  private @Nullable Postings postings;
  private final long mint;
  private final long maxt;
  private final boolean skipChunks;
  private final List<Aggregate> aggregates;
  private final int batchSize;
  private final RequestLimits limits;
  private final SeriesLabels transform;
  private final @Nullable ShardInfo shard;
  private final SeriesEntry entry = new SeriesEntry();
  private final ArrayDeque<Item> ready = new ArrayDeque<>();
  private final long[] refs;
  private boolean postingsDone;

  /** Resolves the block's postings on first use (in the thread that reads the first batch). */
  @FunctionalInterface
  interface PostingsSource {
    Postings get() throws IOException;
  }

  BlockSeriesStream(BucketBlock block, PostingsSource source, long mint, long maxt, boolean skipChunks,
      List<Aggregate> aggregates, int batchSize, RequestLimits limits, SeriesLabels transform,
      @Nullable ShardInfo shard) {
    this.shard = shard;
    this.block = block;
    this.source = source;
    this.mint = mint;
    this.maxt = maxt;
    this.skipChunks = skipChunks;
    this.aggregates = aggregates;
    this.batchSize = batchSize;
    this.limits = limits;
    this.transform = transform;
    this.refs = new long[batchSize];
  }

  BucketBlock block() {
    return block;
  }

  @Override
  public @Nullable Item next() throws IOException {
    while (ready.isEmpty()) {
      if (postingsDone) {
        return null;
      }
      loadBatch();
    }
    return ready.poll();
  }

  /**
   * The next non-empty batch of series, or an empty list at the end. Not to be mixed with {@link
   * #next}; calls must not overlap (one batch at a time).
   */
  List<Item> nextBatch() throws IOException {
    while (ready.isEmpty() && !postingsDone) {
      loadBatch();
    }
    List<Item> out = new ArrayList<>(ready);
    ready.clear();
    return out;
  }

  /** Whether every batch was read. */
  boolean finished() {
    return postingsDone && ready.isEmpty();
  }

  private void loadBatch() throws IOException {
    Postings postings = this.postings;
    if (postings == null) {
      postings = source.get();
      this.postings = postings;
    }
    int n = 0;
    while (n < batchSize && postings.next()) {
      refs[n++] = postings.at();
    }
    if (n < batchSize) {
      postingsDone = true;
    }
    if (n == 0) {
      return;
    }
    String id = block.id().toString();
    byte[][] bodies = block.series(refs, 0, n);
    List<Labels> labels = new ArrayList<>(n);
    List<Labels> sent = new ArrayList<>(n);
    // Per kept series: [start, end) into the chunk arrays below.
    int[] chunkEnds = new int[n];
    long[] cMin = new long[64];
    long[] cMax = new long[64];
    long[] cRef = new long[64];
    int total = 0;
    int kept = 0;
    for (int i = 0; i < n; i++) {
      entry.decode(bodies[i], block.indexHeader(), id, refs[i]);
      Labels out = transform.apply(entry.labels());
      if (shard != null && !shard.matches(out)) {
        continue;
      }
      int before = total;
      for (int c = 0; c < entry.chunkCount(); c++) {
        long lo = entry.chunkMinTime(c);
        long hi = entry.chunkMaxTime(c);
        if (hi < mint || lo > maxt) {
          continue;
        }
        if (total == cMin.length) {
          cMin = Arrays.copyOf(cMin, total * 2);
          cMax = Arrays.copyOf(cMax, total * 2);
          cRef = Arrays.copyOf(cRef, total * 2);
        }
        cMin[total] = lo;
        cMax[total] = hi;
        cRef[total] = entry.chunkRef(c);
        total++;
      }
      if (total == before) {
        continue; // no samples in range
      }
      limits.reserveSeries(1);
      if (skipChunks) {
        total = before;
      } else {
        limits.reserveChunks(total - before);
      }
      labels.add(entry.labels());
      sent.add(out);
      chunkEnds[kept++] = total;
    }
    RawChunk[] raw = skipChunks || total == 0 ? new RawChunk[0] : block.chunks(cRef, total);
    int start = 0;
    for (int s = 0; s < kept; s++) {
      List<StoreChunk> chunks = new ArrayList<>(chunkEnds[s] - start);
      for (int c = start; c < chunkEnds[s]; c++) {
        chunks.add(storeChunk(cMin[c], cMax[c], raw[c], cRef[c]));
      }
      start = chunkEnds[s];
      Labels original = labels.get(s);
      ready.add(new Item(original, new StoreSeries(sent.get(s), chunks)));
    }
  }

  private StoreChunk storeChunk(long lo, long hi, RawChunk raw, long ref) throws CorruptBlockException {
    ChunkEncoding enc;
    try {
      enc = ChunkEncoding.fromByte(raw.encoding() & 0xFF);
    } catch (IllegalArgumentException e) {
      throw corrupt(ref, "unknown chunk encoding " + (raw.encoding() & 0xFF), e);
    }
    switch (enc) {
      case XOR, HISTOGRAM, FLOAT_HISTOGRAM -> {
        return StoreChunk.raw(lo, hi, ChunkData.hashed(ChunkData.Encoding.of(enc), raw.data()));
      }
      case AGGR -> {
        AggrChunk a;
        try {
          a = AggrChunk.parse(raw.data());
        } catch (IllegalArgumentException e) {
          throw corrupt(ref, String.valueOf(e.getMessage()), e);
        }
        ChunkData[] parts = new ChunkData[Aggregate.values().length];
        for (Aggregate g : aggregates) {
          AggrType t = switch (g) {
            case RAW -> null;
            case COUNT -> AggrType.COUNT;
            case SUM -> AggrType.SUM;
            case MIN -> AggrType.MIN;
            case MAX -> AggrType.MAX;
            case COUNTER -> AggrType.COUNTER;
          };
          if (t == null) {
            continue;
          }
          AggrChunk.Entry e = a.entry(t);
          if (e == null) {
            throw dev.hypnos.storeapi.StoreApiException.internal("read series of block " + block.id()
                + ": aggregate " + t + " does not exist in chunk " + ref, null);
          }
          parts[g.ordinal()] = ChunkData.hashed(ChunkData.Encoding.of(e.encoding()), e.array(), e.offset(), e.length());
        }
        if (parts[1] == null && parts[2] == null && parts[3] == null && parts[4] == null && parts[5] == null) {
          throw dev.hypnos.storeapi.StoreApiException.invalidArgument("read series of block " + block.id()
              + ": the block is downsampled and the request asks for no aggregate (got " + aggregates + ")");
        }
        return new StoreChunk(lo, hi, null, parts[1], parts[2], parts[3], parts[4], parts[5]);
      }
      default -> throw corrupt(ref, "chunk encoding " + enc + " cannot be served over the Store API", null);
    }
  }

  private CorruptBlockException corrupt(long ref, String detail, @Nullable Throwable cause) {
    int seg = (int) (ref >>> 32);
    return new CorruptBlockException(block.id().toString(), "chunks/" + String.format("%06d", seg + 1),
        ref & 0xFFFF_FFFFL, "unsupported chunk " + ref, detail, cause);
  }
}
