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
import dev.hypnos.storegateway.block.BucketBlock.ChunkBytes;
import dev.hypnos.storegateway.block.SeriesEntry;
import java.io.IOException;
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
  private final boolean chunkHashes;
  private final SeriesEntry entry = new SeriesEntry();
  private final ChunkBytes raw = new ChunkBytes();
  private int[] seriesEnd = new int[16];
  private List<Item> ready = new ArrayList<>();
  private int readyPos;
  // Postings of the current batch; grows up to batchSize (a small query never needs a large array).
  private long[] refs = new long[16];
  private boolean postingsDone;
  // Symbol references of the current group root's own labels (see Item#extendsRoot).
  private int[] root = new int[0];
  private int rootLen = -1;
  // Per-batch scratch, reused: label symbol references of the candidate series and their strings.
  // Small at first: a call over hundreds of blocks holds one set per block.
  private int[] symRefs = new int[16];
  private String[] syms = new String[16];
  private long[] cMin = new long[16];
  private long[] cMax = new long[16];
  private long[] cRef = new long[16];
  // What is known of each chunk's on-disk size (see BucketBlock#chunks with sizes).
  private int[] cSize = new int[16];

  /** Told once how many postings the first batch holds, before its series and chunks are read. */
  @FunctionalInterface
  interface FirstPostingsListener {
    /**
     * @param postings postings in the first batch
     * @param all whether they are all of the block's matching postings
     */
    void counted(int postings, boolean all);
  }

  private @Nullable FirstPostingsListener firstPostings;

  /** Resolves the block's postings on first use (in the thread that reads the first batch). */
  @FunctionalInterface
  interface PostingsSource {
    Postings get() throws IOException;
  }

  BlockSeriesStream(BucketBlock block, PostingsSource source, long mint, long maxt, boolean skipChunks,
      List<Aggregate> aggregates, int batchSize, RequestLimits limits, SeriesLabels transform,
      @Nullable ShardInfo shard, boolean chunkHashes) {
    this.shard = shard;
    this.chunkHashes = chunkHashes;
    this.block = block;
    this.source = source;
    this.mint = mint;
    this.maxt = maxt;
    this.skipChunks = skipChunks;
    this.aggregates = aggregates;
    this.batchSize = batchSize;
    this.limits = limits;
    this.transform = transform;
  }

  BucketBlock block() {
    return block;
  }

  /** Calls {@code listener} (on the reading thread) once the first batch's postings are known. */
  void onFirstPostings(FirstPostingsListener listener) {
    this.firstPostings = listener;
  }

  @Override
  public @Nullable Item next() throws IOException {
    while (readyPos == ready.size()) {
      if (postingsDone) {
        return null;
      }
      ready.clear();
      readyPos = 0;
      loadBatch();
    }
    return ready.get(readyPos++);
  }

  /**
   * The next non-empty batch of series, or an empty list at the end. Not to be mixed with {@link
   * #next}; calls must not overlap (one batch at a time).
   */
  List<Item> nextBatch() throws IOException {
    while (ready.isEmpty() && !postingsDone) {
      loadBatch();
    }
    List<Item> out = ready;
    ready = new ArrayList<>();
    return out;
  }

  /** Whether every batch was read. */
  boolean finished() {
    return postingsDone && readyPos == ready.size();
  }

  private void loadBatch() throws IOException {
    Postings postings = this.postings;
    if (postings == null) {
      postings = source.get();
      this.postings = postings;
    }
    int n = 0;
    while (n < batchSize && postings.next()) {
      if (n == refs.length) {
        refs = Arrays.copyOf(refs, Math.min(batchSize, 2 * n));
      }
      refs[n++] = postings.at();
    }
    if (n < batchSize) {
      postingsDone = true;
    }
    FirstPostingsListener l = firstPostings;
    if (l != null) {
      firstPostings = null;
      l.counted(n, postingsDone);
    }
    if (n == 0) {
      return;
    }
    String id = block.id().toString();
    byte[][] bodies = block.series(refs, 0, n);
    // Pass 1: decode the entries; keep those with chunks in range, their label symbol references
    // (symStart[s], symStart[s + 1]) and those chunks (chunkEnd[s - 1], chunkEnd[s]).
    int[] symStart = new int[n + 1];
    int[] chunkEnd = new int[n];
    long[] cMin = this.cMin;
    long[] cMax = this.cMax;
    long[] cRef = this.cRef;
    int[] cSize = this.cSize;
    int total = 0;
    int cand = 0;
    int nsym = 0;
    for (int i = 0; i < n; i++) {
      entry.decodeRefs(bodies[i], id, refs[i]);
      int before = total;
      int nc = entry.chunkCount();
      // A chunk ends where its series' next chunk in the same segment starts (chunks never
      // overlap); the last one is guessed from the largest of the others taken, or the one before.
      int largest = 0;
      for (int c = 0; c < nc; c++) {
        long lo = entry.chunkMinTime(c);
        long hi = entry.chunkMaxTime(c);
        if (hi < mint || lo > maxt) {
          continue;
        }
        if (total == cMin.length) {
          // Room for the rest of the batch if its series have as many chunks as this one.
          int grown = Math.max(total * 2, total + (n - i) * (nc - c));
          cMin = this.cMin = Arrays.copyOf(cMin, grown);
          cMax = this.cMax = Arrays.copyOf(cMax, grown);
          cRef = this.cRef = Arrays.copyOf(cRef, grown);
          cSize = this.cSize = Arrays.copyOf(cSize, grown);
        }
        cMin[total] = lo;
        cMax[total] = hi;
        cRef[total] = entry.chunkRef(c);
        if (c + 1 < nc) {
          int bound = sizeBound(entry.chunkRef(c), entry.chunkRef(c + 1));
          largest = Math.max(largest, bound);
          cSize[total] = bound;
        } else {
          if (c > 0) {
            largest = Math.max(largest, sizeBound(entry.chunkRef(c - 1), entry.chunkRef(c)));
          }
          cSize[total] = largest > 0 ? -(largest + largest / 8 + 8) : 0;
        }
        total++;
      }
      if (total == before) {
        continue; // no samples in range
      }
      int nl = entry.labelRefCount();
      if (nsym + nl > symRefs.length) {
        symRefs = Arrays.copyOf(symRefs, Math.max(nsym + nl, symRefs.length * 2));
      }
      for (int k = 0; k < nl; k++) {
        symRefs[nsym + k] = entry.labelRef(k);
      }
      symStart[cand] = nsym;
      nsym += nl;
      chunkEnd[cand++] = total;
    }
    symStart[cand] = nsym;
    if (cand == 0) {
      return;
    }
    // Pass 2: all label strings of the batch in one index-header call.
    if (syms.length < nsym) {
      syms = new String[Math.max(nsym, syms.length * 2)];
    }
    block.indexHeader().symbols(symRefs, 0, nsym, syms, 0);
    // Pass 3: labels as sent, shard, limits; which chunks to fetch.
    Labels[] sent = new Labels[cand];
    boolean[] extendsRoot = new boolean[cand];
    boolean[] keep = new boolean[cand];
    int kept = 0;
    int fetch = 0;
    for (int s = 0; s < cand; s++) {
      Labels out = transform.apply(syms, symStart[s], symStart[s + 1]);
      if (shard != null && !shard.matches(out)) {
        continue;
      }
      if (!skipChunks) {
        fetch += chunkEnd[s] - (s == 0 ? 0 : chunkEnd[s - 1]);
      }
      sent[s] = out;
      keep[s] = true;
      extendsRoot[s] = extendsRoot(symStart[s], symStart[s + 1]);
      kept++;
    }
    if (kept == 0) {
      return;
    }
    // Limits counted once per batch (one lock), before any chunk of it is fetched.
    limits.reserveSeries(kept);
    if (fetch > 0) {
      limits.reserveChunks(fetch);
    }
    ChunkBytes raw = this.raw;
    if (fetch == 0) {
      // nothing to read: skip_chunks, or no chunk of a kept series
    } else {
      // Chunk i's series ends at seriesEnd[i]: the chunks of one series share an array.
      if (seriesEnd.length < fetch) {
        seriesEnd = new int[Math.max(fetch, seriesEnd.length * 2)];
      }
      long[] want = kept == cand ? cRef : new long[fetch];
      int[] sizes = kept == cand ? cSize : new int[fetch];
      int f = 0;
      for (int s = 0; s < cand; s++) {
        if (keep[s]) {
          int from = s == 0 ? 0 : chunkEnd[s - 1];
          int end = f + chunkEnd[s] - from;
          for (int c = from; c < chunkEnd[s]; c++) {
            want[f] = cRef[c];
            sizes[f] = cSize[c];
            seriesEnd[f++] = end;
          }
        }
      }
      block.chunks(want, fetch, seriesEnd, sizes, raw);
    }
    int r = 0;
    for (int s = 0; s < cand; s++) {
      if (!keep[s]) {
        continue;
      }
      List<StoreChunk> chunks;
      if (skipChunks) {
        chunks = List.of();
      } else {
        int from = s == 0 ? 0 : chunkEnd[s - 1];
        StoreChunk[] arr = new StoreChunk[chunkEnd[s] - from];
        for (int c = from; c < chunkEnd[s]; c++) {
          arr[c - from] = storeChunk(cMin[c], cMax[c], raw, r++, cRef[c]);
        }
        // List.of copies the array once; StoreSeries keeps that immutable list as it is.
        chunks = List.of(arr);
      }
      ready.add(new Item(new StoreSeries(sent[s], chunks), extendsRoot[s]));
    }
    raw.clear();
    Arrays.fill(syms, 0, nsym, null);
  }

  /** Largest size chunk {@code ref} can have given that {@code next} follows it, or 0 if not known. */
  private static int sizeBound(long ref, long next) {
    long d = next - ref;
    return (next >>> 32) == (ref >>> 32) && d > 0 && d <= MAX_SIZE_BOUND ? (int) d : 0;
  }

  /** Distances above this are not taken as chunk sizes (the series' chunks are not adjacent). */
  private static final int MAX_SIZE_BOUND = 1 << 20;

  /**
   * Whether the series with own-label symbol references {@code symRefs[from..to)} has all the
   * labels of the current group root and more; if not, it becomes the root.
   */
  private boolean extendsRoot(int from, int to) {
    int len = to - from;
    if (rootLen >= 0 && rootLen < len && Arrays.equals(root, 0, rootLen, symRefs, from, from + rootLen)) {
      return true;
    }
    if (root.length < len) {
      root = new int[Math.max(len, root.length * 2)];
    }
    System.arraycopy(symRefs, from, root, 0, len);
    rootLen = len;
    return false;
  }

  private StoreChunk storeChunk(long lo, long hi, ChunkBytes raw, int i, long ref) throws CorruptBlockException {
    byte encoding = raw.encoding(i);
    byte[] array = raw.array(i);
    int off = raw.offset(i);
    int len = raw.length(i);
    if (encoding == RawChunk.ENC_XOR) {
      return StoreChunk.raw(lo, hi, chunkHashes ? ChunkData.hashed(ChunkData.Encoding.XOR, array, off, len)
          : new ChunkData(ChunkData.Encoding.XOR, array, off, len, 0));
    }
    ChunkEncoding enc;
    try {
      enc = ChunkEncoding.fromByte(encoding & 0xFF);
    } catch (IllegalArgumentException e) {
      throw corrupt(ref, "unknown chunk encoding " + (encoding & 0xFF), e);
    }
    switch (enc) {
      case XOR, HISTOGRAM, FLOAT_HISTOGRAM -> {
        ChunkData.Encoding e = ChunkData.Encoding.of(enc);
        return StoreChunk.raw(lo, hi, chunkHashes ? ChunkData.hashed(e, array, off, len)
            : new ChunkData(e, array, off, len, 0));
      }
      case AGGR -> {
        AggrChunk a;
        try {
          a = AggrChunk.parse(array, off, len);
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
          ChunkData.Encoding pe = ChunkData.Encoding.of(e.encoding());
          parts[g.ordinal()] = chunkHashes ? ChunkData.hashed(pe, e.array(), e.offset(), e.length())
              : new ChunkData(pe, e.array(), e.offset(), e.length(), 0);
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
