package dev.hypnos.storegateway.block;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.block.RawChunk;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import dev.hypnos.storegateway.indexheader.IndexHeader;
import dev.hypnos.storegateway.indexheader.PostingsRange;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * One block served from a bucket: its meta, its {@link IndexHeader}, and reads of postings lists,
 * series entries and chunks by byte ranges of {@code <id>/index} and {@code <id>/chunks/NNNNNN}.
 *
 * <p>Each read takes a batch of items, sorts them by offset, merges nearby ranges with the {@link
 * Partitioner} and issues one {@link Bucket#getRange} per merged part. A part is streamed: only
 * the items themselves are kept, the bytes between them are skipped. Parts are bounded ({@link
 * Partitioner#partitionBounded}): the bytes between items never exceed the items' own, so a small
 * query fetches little more than its answer. Postings lists have exact ranges (the postings offset
 * table); a series entry or chunk ends at the latest where the next one asked for starts, and a
 * chunk that is not its series' last ends where the series' next chunk starts (given by the
 * caller); other items are fetched with a guessed size (what this block's earlier reads saw, at
 * first estimated from meta.json's stats; never more than {@code index_stats} when present, else
 * Thanos's 64 KiB per series and 16000 bytes per chunk); an item longer than its guess has its
 * rest fetched with its exact length. Every item's CRC32C is checked; bad data raises {@link
 * CorruptBlockException} naming the block, the file and the offset.
 *
 * <p>Concurrency: thread-safe. Calls bracket their reads with {@link #tryAcquire} and {@link
 * #release}; {@link #close} then waits for none of them and frees resources after the last.
 */
public final class BucketBlock implements Closeable {
  /** Runs when a closed block's resources are freed. */
  @FunctionalInterface
  public interface FreeHook {
    void freed() throws IOException;
  }

  /** Thanos's estimate of the largest series entry. */
  public static final int ESTIMATED_MAX_SERIES_SIZE = 64 * 1024;
  /** Thanos's estimate of the largest chunk. */
  public static final int ESTIMATED_MAX_CHUNK_SIZE = 16000;
  private static final String INDEX = BucketBlocks.INDEX;
  /** Smallest size guessed for a series entry or chunk of unknown length. */
  private static final int MIN_GUESS = 32;

  private final Bucket bucket;
  private final BlockMeta meta;
  private final IndexHeader header;
  private final IndexCache cache;
  private final Partitioner partitioner;
  private final String block;
  private final String indexKey;
  private final Labels externalLabels;
  private final int maxSeriesSize;
  private final int maxChunkSize;
  // Guessed on-disk sizes (length, body, CRC) of a series entry and of a chunk whose end is not
  // known: the largest seen by the last read, with a margin. Racy updates are harmless.
  private volatile int seriesGuess;
  private volatile int chunkGuess;
  private final @Nullable FreeHook onFree;
  private final LongAdder requests = new LongAdder();
  // One reference for the owner (released by close) plus one per call using the block.
  private final java.util.concurrent.atomic.AtomicInteger refs = new java.util.concurrent.atomic.AtomicInteger(1);
  private final LongAdder bytesRequested = new LongAdder();

  public BucketBlock(Bucket bucket, BlockMeta meta, IndexHeader header, IndexCache cache, Partitioner partitioner) {
    this(bucket, meta, header, cache, partitioner, null);
  }

  /**
   * @param onFree run once after the block's resources were freed (to delete its local files), or
   *     null
   */
  public BucketBlock(Bucket bucket, BlockMeta meta, IndexHeader header, IndexCache cache, Partitioner partitioner,
      @Nullable FreeHook onFree) {
    this.onFree = onFree;
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.meta = Objects.requireNonNull(meta, "meta");
    this.header = Objects.requireNonNull(header, "header");
    this.cache = Objects.requireNonNull(cache, "cache");
    this.partitioner = Objects.requireNonNull(partitioner, "partitioner");
    this.block = meta.ulid().toString();
    this.indexKey = block + "/" + INDEX;
    BlockMeta.Thanos t = meta.thanos();
    this.externalLabels = t == null ? Labels.EMPTY : t.externalLabels();
    long seriesMax = t == null ? 0 : t.indexStats().seriesMaxSize();
    long chunkMax = t == null ? 0 : t.indexStats().chunkMaxSize();
    this.maxSeriesSize = seriesMax > 0 ? (int) Math.min(seriesMax, Integer.MAX_VALUE / 2) : ESTIMATED_MAX_SERIES_SIZE;
    this.maxChunkSize = chunkMax > 0 ? (int) Math.min(chunkMax, Integer.MAX_VALUE / 2) : ESTIMATED_MAX_CHUNK_SIZE;
    // First guesses from the block's averages: a series entry holds a few labels (~8 bytes each) and
    // ~8 bytes per chunk; an XOR chunk takes 1-4 bytes per sample plus a few of header.
    BlockMeta.Stats st = meta.stats();
    long series = st.numSeries();
    long chunks = st.numChunks();
    long samples = st.numSamples();
    long chunksPerSeries = series > 0 ? (chunks + series - 1) / series : 4;
    long samplesPerChunk = chunks > 0 ? (samples + chunks - 1) / chunks : 120;
    this.seriesGuess = clampGuess(64 + 8 * chunksPerSeries, maxSeriesSize);
    this.chunkGuess = clampGuess(32 + 4 * samplesPerChunk, maxChunkSize);
  }

  private static int clampGuess(long guess, int max) {
    return (int) Math.min(max, Math.max(MIN_GUESS, guess));
  }

  public BlockMeta meta() {
    return meta;
  }

  public BlockId id() {
    return meta.ulid();
  }

  /** External labels from meta.json's Thanos section (empty without one). */
  public Labels externalLabels() {
    return externalLabels;
  }

  public IndexHeader indexHeader() {
    return header;
  }

  /** Range requests made to the bucket so far. */
  public long requestCount() {
    return requests.sum();
  }

  /** Bytes asked for by range requests so far (the merged ranges' lengths). */
  public long bytesRequested() {
    return bytesRequested.sum();
  }

  /** Whether the block's time range {@code [minTime, maxTime)} overlaps {@code [mint, maxt]}. */
  public boolean overlaps(long mint, long maxt) {
    return meta.minTime() <= maxt && mint < meta.maxTime();
  }

  private RangeStream open(String key, long start, long end, String file) throws IOException {
    return open(key, start, end, end - start, file);
  }

  /**
   * Opens a range; {@code expected} is how many bytes from {@code start} the caller will probably
   * read (the last item's start plus a little), which sizes the first read window.
   */
  private RangeStream open(String key, long start, long end, long expected, String file) throws IOException {
    requests.increment();
    bytesRequested.add(end - start);
    try {
      // RangeStream reads through a pooled window, so varints are not one bucket read each.
      return new RangeStream(bucket.getRange(key, start, end - start), start, end, expected);
    } catch (ObjectNotFoundException e) {
      throw new CorruptBlockException(block, file, start, "missing file",
          "object " + bucket.name() + ":" + key + " does not exist", e);
    }
  }

  /**
   * Reads the postings lists at {@code ranges}; element {@code i} of the result belongs to {@code
   * ranges.get(i)}. Cached lists are not read again; read ones are cached.
   */
  public Postings[] postings(List<PostingsRange> ranges) throws IOException {
    int n = ranges.size();
    byte[][] bodies = new byte[n][];
    Integer[] missing = new Integer[n];
    int m = 0;
    for (int i = 0; i < n; i++) {
      PostingsRange r = ranges.get(i);
      byte[] cached = cache.postings(meta.ulid(), r.name(), r.value());
      if (cached != null) {
        bodies[i] = cached;
      } else {
        missing[m++] = i;
      }
    }
    if (m > 0) {
      Integer[] order = Arrays.copyOf(missing, m);
      Arrays.sort(order, (a, b) -> Long.compare(ranges.get(a).start(), ranges.get(b).start()));
      long[] starts = new long[m];
      long[] ends = new long[m];
      for (int k = 0; k < m; k++) {
        starts[k] = ranges.get(order[k]).start();
        ends[k] = ranges.get(order[k]).end();
      }
      for (Partitioner.Part part : partitioner.partitionBounded(starts, ends, m)) {
        // Exact ranges, gaps no larger than the lists: the part is what is needed.
        try (RangeStream in = open(indexKey, part.start(), part.end(), INDEX)) {
          byte[] prev = null;
          long prevStart = -1;
          for (int k = part.first(); k < part.last(); k++) {
            PostingsRange r = ranges.get(order[k]);
            if (r.start() == prevStart && prev != null) {
              bodies[order[k]] = prev;
              continue;
            }
            byte[] body = readPostings(in, r);
            cache.putPostings(meta.ulid(), r.name(), r.value(), body);
            bodies[order[k]] = body;
            prev = body;
            prevStart = r.start();
          }
        }
      }
    }
    Postings[] out = new Postings[n];
    for (int i = 0; i < n; i++) {
      byte[] b = bodies[i];
      int count = ByteBuffer.wrap(b).getInt(0);
      out[i] = Postings.bigEndian32(ByteBuffer.wrap(b).slice(4, count * 4), count);
    }
    return out;
  }

  private byte[] readPostings(RangeStream in, PostingsRange r) throws IOException {
    String what = "postings list for " + r.name() + "=\"" + r.value() + "\"";
    if (!in.skipTo(r.start())) {
      throw new CorruptBlockException(block, INDEX, r.start(), "truncated " + what, "the index ends before it");
    }
    long len = in.readUint32();
    if (len < 0) {
      throw new CorruptBlockException(block, INDEX, r.start(), "truncated " + what, "no room for its length");
    }
    if (len + 8 > r.length()) {
      throw new CorruptBlockException(block, INDEX, r.start(), "malformed " + what,
          "length " + len + " runs past the next list at " + r.end());
    }
    byte[] body = new byte[(int) len];
    int got = in.readFully(body, 0, body.length);
    long want = got == body.length ? in.readUint32() : -1;
    if (want < 0) {
      throw new CorruptBlockException(block, INDEX, r.start(), "truncated " + what,
          "needs " + (len + 4) + " bytes after its length, the index has fewer");
    }
    int have = crc(body, 0, body.length);
    if ((int) want != have) {
      throw CorruptBlockException.crcMismatch(block, INDEX, r.start(), what, (int) want, have);
    }
    long count = len < 4 ? -1 : ByteBuffer.wrap(body).getInt(0) & 0xFFFF_FFFFL;
    if (count < 0 || count * 4 + 4 != len) {
      throw new CorruptBlockException(block, INDEX, r.start(), "malformed " + what,
          "length " + len + " does not hold " + count + " entries");
    }
    return body;
  }

  /**
   * Reads the series entries {@code refs[from..to)} (ascending): element {@code i - from} of the
   * result is entry {@code refs[i]}'s body (labels and chunk metas, without length and CRC).
   */
  public byte[][] series(long[] refs, int from, int to) throws IOException {
    int n = to - from;
    byte[][] out = new byte[n][];
    for (int i = 1; i < n; i++) {
      if (refs[from + i] <= refs[from + i - 1]) {
        throw new IllegalArgumentException("series references must be ascending: " + refs[from + i - 1] + ", "
            + refs[from + i]);
      }
    }
    if (cache.series(meta.ulid(), refs, from, to, out) == n) {
      return out;
    }
    long[] starts = new long[n];
    long[] ends = new long[n];
    int[] idx = new int[n];
    int m = 0;
    int guess = seriesGuess;
    for (int i = 0; i < n; i++) {
      if (out[i] != null) {
        continue;
      }
      long ref = refs[from + i];
      starts[m] = ref * 16;
      ends[m] = ref * 16 + guess;
      if (m > 0 && ends[m - 1] > starts[m]) {
        ends[m - 1] = starts[m]; // entries are laid out in reference order: one ends before the next
      }
      idx[m++] = i;
    }
    int largest = 0;
    for (Partitioner.Part part : partitioner.partitionBounded(starts, ends, m)) {
      try (RangeStream in = open(indexKey, part.start(), part.end(), INDEX)) {
        for (int k = part.first(); k < part.last(); k++) {
          long ref = refs[from + idx[k]];
          byte[] body = readSeries(in, ref);
          largest = Math.max(largest, body.length);
          cache.putSeries(meta.ulid(), ref, body);
          out[idx[k]] = body;
        }
      }
    }
    if (m > 0) {
      // length (1-3 bytes) + body + CRC, and a margin for entries a little larger
      seriesGuess = clampGuess(largest + largest / 4 + 8, maxSeriesSize);
    }
    return out;
  }

  private byte[] readSeries(RangeStream in, long ref) throws IOException {
    long offset = ref * 16;
    long[] v = new long[1];
    byte[] body = null;
    long want = -1;
    int lenSize = -1;
    if (in.skipTo(offset)) {
      lenSize = in.uvarint(v);
      if (lenSize > 0) {
        checkSeriesLength(ref, v[0]);
        body = new byte[(int) v[0]];
        int got = in.readFully(body, 0, body.length);
        want = got == body.length ? in.readUint32() : -1;
        if (want < 0) {
          // Cut by the part's end (its size was guessed): fetch exactly the rest.
          want = readRest(indexKey, INDEX, offset, "series entry " + ref, offset + lenSize, body, got);
        }
      }
    }
    if (lenSize == -2) {
      throw new CorruptBlockException(block, INDEX, offset, "malformed series entry " + ref, "length overflows 64 bits");
    }
    if (body == null || want < 0) {
      // Longer than the estimate (or cut by the part's end): read this entry alone.
      byte[] all = readSeriesExactly(ref);
      body = Arrays.copyOf(all, all.length - 4);
      want = ByteBuffer.wrap(all).getInt(body.length) & 0xFFFF_FFFFL;
    }
    int have = crc(body, 0, body.length);
    if ((int) want != have) {
      throw CorruptBlockException.crcMismatch(block, INDEX, offset, "series entry " + ref, (int) want, have);
    }
    return body;
  }

  /**
   * Fetches the rest of an item whose body {@code dst} was read up to {@code got} bytes by a part
   * that ended inside it: the missing body bytes and the 4-byte CRC after them, in one request of
   * exactly that length. {@code bodyAt} is the body's offset in the object; returns the CRC.
   */
  private long readRest(String key, String file, long itemAt, String what, long bodyAt, byte[] dst, int dstOff,
      int len, int got) throws IOException {
    int rest = len - got + 4;
    long at = bodyAt + got;
    try (RangeStream one = open(key, at, at + rest, file)) {
      int r = one.readFully(dst, dstOff + got, len - got);
      long crc = r == len - got ? one.readUint32() : -1;
      if (crc < 0) {
        throw new CorruptBlockException(block, file, itemAt, "truncated " + what,
            "needs " + (len + 4) + " bytes after its length, the object has fewer");
      }
      return crc;
    }
  }

  private long readRest(String key, String file, long itemAt, String what, long bodyAt, byte[] body, int got)
      throws IOException {
    return readRest(key, file, itemAt, what, bodyAt, body, 0, body.length, got);
  }

  private void checkSeriesLength(long ref, long len) throws CorruptBlockException {
    if (len < 0 || len > Integer.MAX_VALUE - 8) {
      throw new CorruptBlockException(block, INDEX, ref * 16, "malformed series entry " + ref,
          "length " + Long.toUnsignedString(len) + " is too large");
    }
  }

  private byte[] readSeriesExactly(long ref) throws IOException {
    long offset = ref * 16;
    long[] v = new long[1];
    int lenSize;
    try (RangeStream in = open(indexKey, offset, offset + 10, INDEX)) {
      lenSize = in.uvarint(v);
    }
    if (lenSize < 0) {
      throw new CorruptBlockException(block, INDEX, offset, "malformed series entry " + ref,
          lenSize == -1 ? "the index ends inside its length" : "length overflows 64 bits");
    }
    checkSeriesLength(ref, v[0]);
    int len = (int) v[0];
    try (RangeStream in = open(indexKey, offset + lenSize, offset + lenSize + len + 4, INDEX)) {
      byte[] all = in.read(len + 4);
      if (all.length < len + 4) {
        throw new CorruptBlockException(block, INDEX, offset, "truncated series entry " + ref,
            "needs " + (len + 4) + " bytes after its length, the index has " + all.length);
      }
      return all;
    }
  }

  /**
   * Reads the chunks at {@code refs[0..n)} (any order, duplicates allowed); element {@code i} of the
   * result is chunk {@code refs[i]}, not decoded.
   */
  public RawChunk[] chunks(long[] refs, int n) throws IOException {
    ChunkBytes b = new ChunkBytes();
    chunks(refs, n, null, b);
    RawChunk[] out = new RawChunk[n];
    for (int i = 0; i < n; i++) {
      out[i] = new RawChunk(b.encoding(i), Arrays.copyOfRange(b.array(i), b.offset(i), b.offset(i) + b.length(i)));
    }
    return out;
  }

  /**
   * Chunks read by {@link #chunks(long[], int, ChunkBytes)}: chunk {@code i}'s encoding byte and its
   * data bytes {@code array(i)[offset(i), offset(i) + length(i))}, without length and CRC. The data
   * of many chunks share one array (a slab), so a batch of chunks costs a few allocations instead
   * of one per chunk; a chunk keeps its whole slab alive. A holder is reused across reads (one per
   * series stream); {@link #clear} drops its references to the slabs.
   *
   * <p>Concurrency: not thread-safe.
   */
  public static final class ChunkBytes {
    private byte[] enc = new byte[0];
    private byte[][] arrays = new byte[0][];
    private int[] offsets = new int[0];
    private int[] lengths = new int[0];
    private int size;

    void reset(int n) {
      if (enc.length < n) {
        int c = Math.max(n, enc.length * 2);
        enc = new byte[c];
        arrays = new byte[c][];
        offsets = new int[c];
        lengths = new int[c];
      }
      size = n;
    }

    void set(int i, byte encoding, byte[] array, int offset, int length) {
      enc[i] = encoding;
      arrays[i] = array;
      offsets[i] = offset;
      lengths[i] = length;
    }

    /** Chunks held. */
    public int size() {
      return size;
    }

    /** The encoding byte of chunk {@code i} ({@code chunkenc.Encoding}, see {@link RawChunk}). */
    public byte encoding(int i) {
      return enc[i];
    }

    public byte[] array(int i) {
      return arrays[i];
    }

    public int offset(int i) {
      return offsets[i];
    }

    public int length(int i) {
      return lengths[i];
    }

    /** Forgets the slabs (the chunks handed out keep theirs). */
    public void clear() {
      Arrays.fill(arrays, 0, size, null);
      size = 0;
    }
  }

  /** Largest slab (a series with more chunk bytes takes several). */
  private static final int MAX_SLAB = 64 * 1024;

  /**
   * Where one read puts chunk data: the current slab and its used part. A slab holds the chunks of
   * one series only (so a series sent and dropped frees its bytes, as it did with one array per
   * chunk), sized by where that series' last chunk starts plus the current chunk's length; a slab
   * left with a large unused tail (the estimate was too high) is copied to an exact-size array when
   * it is retired, so chunks never hold much more memory than their own bytes.
   */
  private static final class Slab {
    private final ChunkBytes out;
    private final int @Nullable [] seriesEnd;
    byte[] buf = new byte[0];
    int used;
    // Chunks out[first..last] may point into buf (those read alone have arrays of their own).
    int first;
    int last = -1;
    int groupEnd; // exclusive end index of the series the slab belongs to

    Slab(ChunkBytes out, int @Nullable [] seriesEnd) {
      this.out = out;
      this.seriesEnd = seriesEnd;
    }

    /** The exclusive end index of chunk {@code index}'s series. */
    int seriesEnd(int index) {
      return seriesEnd == null ? index + 1 : seriesEnd[index];
    }

    /**
     * Room for chunk {@code index}'s {@code len} bytes, {@code rest} bytes expected for it and the
     * rest of its series; returns their offset in {@link #buf} (which may be new).
     */
    int reserve(int index, int len, long rest) {
      if (index >= groupEnd || buf.length - used < len) {
        retire();
        buf = new byte[(int) Math.max(len, Math.min(rest, MAX_SLAB))];
        used = 0;
        first = index;
        groupEnd = seriesEnd(index);
      }
      last = index;
      int at = used;
      used += len;
      return at;
    }

    /** Trims the current slab when a quarter or more of it is unused. */
    void retire() {
      int waste = buf.length - used;
      if (last < first || waste < 64 || waste < buf.length / 4) {
        return;
      }
      byte[] old = buf;
      byte[] exact = Arrays.copyOf(old, used);
      for (int i = first; i <= last; i++) {
        if (out.arrays[i] == old) {
          out.arrays[i] = exact;
        }
      }
      buf = exact;
    }
  }

  /**
   * Reads the chunks at {@code refs[0..n)} (any order, duplicates allowed) into {@code out}: its
   * element {@code i} is chunk {@code refs[i]}, not decoded, its CRC32C checked.
   *
   * @param seriesEnd when the references are ascending and distinct and grouped by series:
   *     {@code seriesEnd[i]} is the exclusive end index of chunk {@code i}'s series, and the chunks
   *     of one series share an array; null (or references in another order): an array per chunk
   */
  public void chunks(long[] refs, int n, int @Nullable [] seriesEnd, ChunkBytes out) throws IOException {
    chunks(refs, n, seriesEnd, null, out);
  }

  /**
   * {@link #chunks(long[], int, int[], ChunkBytes)} with what the caller knows of each chunk's
   * size: {@code sizes[i] > 0} is chunk {@code i}'s exact on-disk size (length, encoding, data and
   * CRC: the distance to its series' next chunk in the same segment), {@code sizes[i] < 0} a guess
   * of {@code -sizes[i]} bytes, 0 nothing known; used when {@code seriesEnd} is.
   */
  public void chunks(long[] refs, int n, int @Nullable [] seriesEnd, int @Nullable [] sizes, ChunkBytes out)
      throws IOException {
    // Distinct references in unsigned order (sign bit flipped so a signed sort gives that order).
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      keys[i] = refs[i] ^ Long.MIN_VALUE;
    }
    Arrays.sort(keys);
    int u = 0;
    for (int i = 0; i < n; i++) {
      if (u == 0 || keys[i] != keys[u - 1]) {
        keys[u++] = keys[i];
      }
    }
    boolean direct = u == n && sortedDistinct(refs, n);
    ChunkBytes distinct = direct ? out : new ChunkBytes();
    distinct.reset(u);
    Slab slab = new Slab(distinct, direct ? seriesEnd : null);
    int[] known = direct && seriesEnd != null ? sizes : null;
    int largest = 0;
    CRC32C crc = new CRC32C();
    long[] v = new long[1];
    int i = 0;
    while (i < u) {
      int seg = (int) ((keys[i] ^ Long.MIN_VALUE) >>> 32);
      int j = i;
      while (j < u && (int) ((keys[j] ^ Long.MIN_VALUE) >>> 32) == seg) {
        j++;
      }
      largest = Math.max(largest, readSegment(seg, keys, i, j, distinct, slab, crc, v, known));
      i = j;
    }
    slab.retire();
    if (largest > 0) {
      // length (1-2 bytes) + encoding + data + CRC, and a margin
      chunkGuess = clampGuess(largest + largest / 8 + 8, maxChunkSize);
    }
    if (direct) {
      return;
    }
    out.reset(n);
    for (int k = 0; k < n; k++) {
      int d = Arrays.binarySearch(keys, 0, u, refs[k] ^ Long.MIN_VALUE);
      out.set(k, distinct.encoding(d), distinct.array(d), distinct.offset(d), distinct.length(d));
    }
  }

  private static boolean sortedDistinct(long[] refs, int n) {
    for (int i = 1; i < n; i++) {
      if (Long.compareUnsigned(refs[i - 1], refs[i]) >= 0) {
        return false;
      }
    }
    return true;
  }

  private static final String[] SEGMENT_FILES = new String[64];

  static {
    for (int i = 0; i < SEGMENT_FILES.length; i++) {
      SEGMENT_FILES[i] = BucketBlocks.CHUNKS_DIR + "/" + String.format("%06d", i + 1);
    }
  }

  private static String segmentFile(int seg) {
    return seg >= 0 && seg < SEGMENT_FILES.length ? SEGMENT_FILES[seg]
        : BucketBlocks.CHUNKS_DIR + "/" + String.format("%06d", seg + 1);
  }

  /**
   * Reads the distinct chunks {@code keys[from..to)} (sign-flipped references of one segment,
   * ascending); {@code sizes} as in {@link #chunks(long[], int, int[], int[], ChunkBytes)}, indexed
   * like {@code keys}, or null. Returns the largest data length read.
   */
  private int readSegment(int seg, long[] keys, int from, int to, ChunkBytes out, Slab slab, CRC32C crc, long[] v,
      int @Nullable [] sizes) throws IOException {
    String file = segmentFile(seg);
    String key = block + "/" + file;
    int m = to - from;
    long[] starts = new long[m];
    long[] ends = new long[m];
    int guess = chunkGuess;
    for (int k = 0; k < m; k++) {
      long off = keys[from + k] & 0xFFFF_FFFFL;
      int size = sizes == null ? 0 : sizes[from + k];
      starts[k] = off;
      ends[k] = off + (size > 0 ? size : size < 0 ? Math.min(-size, maxChunkSize) : guess);
      if (k > 0 && ends[k - 1] > off) {
        ends[k - 1] = off; // chunks do not overlap: one ends before the next starts
      }
    }
    int largest = 0;
    for (Partitioner.Part part : partitioner.partitionBounded(starts, ends, m)) {
      try (RangeStream in = open(key, part.start(), part.end(), file)) {
        for (int k = part.first(); k < part.last(); k++) {
          // What the rest of this chunk's series needs: up to its last chunk's start in this part
          // (a few bytes more than the data: lengths, encodings and CRCs), plus the last chunk's
          // length (read ahead in the window when it is there, else guessed by the current one's).
          int lastOfSeries = Math.min(slab.seriesEnd(from + k) - from, part.last()) - 1;
          readChunk(in, key, file, starts[k], keys[from + k] ^ Long.MIN_VALUE, out, from + k, slab, crc, v,
              starts[lastOfSeries]);
          largest = Math.max(largest, out.length(from + k));
        }
      }
    }
    return largest;
  }

  private void readChunk(RangeStream in, String key, String file, long off, long ref, ChunkBytes out, int index,
      Slab slab, CRC32C crc, long[] v, long lastStart) throws IOException {
    if (off < 8) {
      throw new CorruptBlockException(block, file, off, "bad chunk reference",
          "reference " + ref + " points into the segment header");
    }
    int lenSize = -1;
    int enc = -1;
    byte[] data = null;
    int at = 0;
    int len = 0;
    long want = -1;
    if (in.skipTo(off)) {
      lenSize = in.uvarint(v);
      if (lenSize > 0) {
        checkChunkLength(file, off, v[0]);
        enc = in.readByte();
        if (enc >= 0) {
          len = (int) v[0];
          long lastLen = lastStart == off ? len : in.peekUvarint(lastStart);
          at = slab.reserve(index, len, lastStart - off + (lastLen < 0 ? len : lastLen));
          data = slab.buf;
          int got = in.readFully(data, at, len);
          want = got == len ? in.readUint32() : -1;
          if (want < 0) {
            // Cut by the part's end (its size was guessed): fetch exactly the rest.
            want = readRest(key, file, off, "chunk " + ref, off + lenSize + 1, data, at, len, got);
          }
        }
      }
    }
    if (lenSize == -2) {
      throw new CorruptBlockException(block, file, off, "malformed chunk " + ref, "length overflows 64 bits");
    }
    if (data == null || want < 0) {
      // Longer than the estimate (or cut by the part's end): read this chunk alone.
      try (RangeStream one = open(key, off, off + 10, file)) {
        lenSize = one.uvarint(v);
      }
      if (lenSize < 0) {
        throw new CorruptBlockException(block, file, off, "truncated chunk " + ref,
            "the segment ends inside the chunk's length");
      }
      long l = v[0];
      checkChunkLength(file, off, l);
      byte[] all;
      try (RangeStream one = open(key, off + lenSize, off + lenSize + l + 5, file)) {
        all = one.read((int) l + 5);
      }
      if (all.length < l + 5) {
        throw new CorruptBlockException(block, file, off, "truncated chunk " + ref,
            "needs " + (l + 5) + " bytes after its length, the segment has " + all.length);
      }
      enc = all[0] & 0xFF;
      data = all;
      at = 1;
      len = (int) l;
      want = ByteBuffer.wrap(all).getInt(len + 1) & 0xFFFF_FFFFL;
    }
    crc.reset();
    crc.update(enc);
    crc.update(data, at, len);
    int have = (int) crc.getValue();
    if ((int) want != have) {
      throw CorruptBlockException.crcMismatch(block, file, off, "chunk " + ref, (int) want, have);
    }
    out.set(index, (byte) enc, data, at, len);
  }

  private void checkChunkLength(String file, long off, long len) throws CorruptBlockException {
    if (len < 0 || len > Integer.MAX_VALUE - 16) {
      throw new CorruptBlockException(block, file, off, "malformed chunk",
          "length " + Long.toUnsignedString(len) + " is too large");
    }
  }

  private static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /**
   * Takes a reference for one call; false when the block is already closed. Every successful call
   * must be paired with {@link #release}. The block's resources are freed when the owner has
   * closed it and the last call released it, so removing a block never breaks a running query.
   */
  public boolean tryAcquire() {
    while (true) {
      int n = refs.get();
      if (n <= 0) {
        return false;
      }
      if (refs.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Gives back a reference taken by {@link #tryAcquire}. */
  public void release() throws IOException {
    if (refs.decrementAndGet() == 0) {
      cache.invalidate(meta.ulid());
      header.close();
      if (onFree != null) {
        onFree.freed();
      }
    }
  }

  /** Releases the owner's reference: resources are freed once no call uses the block. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed.compareAndSet(false, true)) {
      release();
    }
  }

  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  @Override
  public String toString() {
    return "BucketBlock[" + block + "]";
  }
}
