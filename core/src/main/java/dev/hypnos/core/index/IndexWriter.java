package dev.hypnos.core.index;

import dev.hypnos.core.labels.Labels;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Writes a TSDB index file, format version 2 ({@code tsdb/docs/format/index.md} in Prometheus),
 * streaming: the symbol table is written when the writer is created, each series entry when it
 * is added, and the postings lists, the postings offset table and the table of contents by {@link
 * #finish()}.
 *
 * <p>Layout: header (magic {@code 0xBAAAD700}, version 2), symbol table, series entries (each at a
 * 16-byte aligned offset, reference = offset / 16), postings lists (4-byte aligned, the all-postings
 * list for {@code ("", "")} first, then one per label name and value in Go byte order), the
 * postings offset table and the 52-byte TOC. Every section carries its CRC32C. The deprecated
 * label indices are not written, as Prometheus 3.7 and later do not write them: the TOC's
 * {@code label indices} offset is the end of the series section and its {@code label offset table}
 * offset equals the postings offset table's. Prometheus 2.x readers (promtool 2.42 included) never
 * read these sections in a version 2 index.
 *
 * <p>Memory: the symbols (a string table and a lookup map) and, per label name and value, the
 * series references as a growable {@code int[]} in an open-addressing map keyed by the packed
 * symbol ids (no boxing); that is about 4 bytes per label of every series.
 *
 * <p>Series must be added in label-set order ({@link Labels#compareTo}), each label string being a
 * symbol. Chunk metas of a series must be in time order without overlap, with non-decreasing
 * references across the whole index.
 *
 * <p>{@link #close()} without a successful {@link #finish()} leaves an incomplete file that no
 * reader accepts; the caller deletes it.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class IndexWriter implements Closeable {
  private static final int SERIES_ALIGN = 16;
  private static final long MAX_SERIES_REF = 0xFFFF_FFFFL;

  private final Path file;
  private final Out out;
  private final String[] symbols;
  private final HashMap<String, Integer> symbolIds;
  private final long symbolsOffset;
  private long seriesOffset;

  /** Postings per (name id, value id) packed as {@code name << 32 | value}. */
  private final PostingsMap postings = new PostingsMap();
  private final IntList allPostings = new IntList();

  private final Enc entry = new Enc();
  private final Enc lenBuf = new Enc();
  private final CRC32C crc = new CRC32C();
  private Labels lastSeries = Labels.EMPTY;
  private long lastChunkRef;
  private long maxSeriesSize;
  private long seriesCount;
  private boolean finished;
  private boolean failed;

  private IndexWriter(Path file, Out out, String[] symbols, HashMap<String, Integer> symbolIds, long symbolsOffset) {
    this.file = file;
    this.out = out;
    this.symbols = symbols;
    this.symbolIds = symbolIds;
    this.symbolsOffset = symbolsOffset;
  }

  /**
   * Creates {@code file} (replacing it) and writes the header and the symbol table.
   *
   * @param symbols every string used as a label name or value by the series to come, in any order;
   *     duplicates are dropped
   */
  public static IndexWriter create(Path file, Collection<String> symbols) throws IOException {
    Objects.requireNonNull(file, "file");
    String[] sorted = symbols.toArray(new String[0]);
    Arrays.sort(sorted, Labels::compareStrings);
    int n = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (n == 0 || !sorted[n - 1].equals(sorted[i])) {
        sorted[n++] = Objects.requireNonNull(sorted[i], "symbol");
      }
    }
    String[] syms = Arrays.copyOf(sorted, n);
    HashMap<String, Integer> ids = HashMap.newHashMap(n);
    for (int i = 0; i < n; i++) {
      ids.put(syms[i], i);
    }
    Out out = new Out(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ));
    try {
      out.be32(IndexReader.MAGIC);
      out.u8(IndexReader.FORMAT_V2);
      long symOffset = out.pos();
      // Symbol table: len (patched), #symbols, the strings, CRC over #symbols and the strings.
      out.be32(0);
      CRC32C c = new CRC32C();
      Enc e = new Enc();
      e.be32(n);
      for (String s : syms) {
        e.uvarintStr(s);
        if (e.len > 1 << 16) {
          c.update(e.buf, 0, e.len);
          out.write(e.buf, 0, e.len);
          e.len = 0;
        }
      }
      c.update(e.buf, 0, e.len);
      out.write(e.buf, 0, e.len);
      long len = out.pos() - symOffset - 4;
      if (len > 0xFFFF_FFFFL) {
        throw new IOException("write symbol table of index " + file + ": " + len + " bytes exceed the 4 GiB limit");
      }
      out.be32((int) c.getValue());
      out.patchBe32(symOffset, (int) len);
      IndexWriter w = new IndexWriter(file, out, syms, ids, symOffset);
      w.seriesOffset = out.pos();
      return w;
    } catch (IOException | RuntimeException ex) {
      out.closeQuietly(ex);
      throw ex;
    }
  }

  /** Adds a series; see {@link #addSeries(Labels, long[], long[], long[], int)}. */
  public void addSeries(Labels labels, List<ChunkMeta> chunks) throws IOException {
    int n = chunks.size();
    long[] mint = new long[n];
    long[] maxt = new long[n];
    long[] refs = new long[n];
    for (int i = 0; i < n; i++) {
      ChunkMeta c = chunks.get(i);
      mint[i] = c.minTime();
      maxt[i] = c.maxTime();
      refs[i] = c.ref();
    }
    addSeries(labels, mint, maxt, refs, n);
  }

  /**
   * Adds the next series with its first {@code n} chunk metas (parallel arrays, not kept).
   *
   * @throws IllegalArgumentException when the series is not after the previous one, a label is not
   *     a symbol, or the chunk metas are out of order
   */
  public void addSeries(Labels labels, long[] minTimes, long[] maxTimes, long[] refs, int n) throws IOException {
    checkOpen();
    if (seriesCount > 0 && labels.compareTo(lastSeries) <= 0) {
      throw new IllegalArgumentException("add series " + labels + " to index " + file
          + ": out of order, it does not sort after the previous series " + lastSeries);
    }
    if (labels.isEmpty()) {
      throw new IllegalArgumentException("add series to index " + file + ": a series needs at least one label");
    }
    long prevRef = lastChunkRef;
    for (int i = 0; i < n; i++) {
      if (refs[i] < prevRef) {
        throw new IllegalArgumentException("add series " + labels + " to index " + file + ": chunk reference "
            + refs[i] + " is below the previous one, " + prevRef);
      }
      prevRef = refs[i];
      if (maxTimes[i] < minTimes[i]) {
        throw new IllegalArgumentException("add series " + labels + " to index " + file + ": chunk " + i
            + " ends at " + maxTimes[i] + " before it starts at " + minTimes[i]);
      }
      if (i > 0 && minTimes[i] <= maxTimes[i - 1]) {
        throw new IllegalArgumentException("add series " + labels + " to index " + file + ": chunk " + i
            + " starts at " + minTimes[i] + ", not after the previous chunk's end " + maxTimes[i - 1]);
      }
    }
    Enc e = entry;
    e.len = 0;
    int nl = labels.size();
    e.uvarint(nl);
    int[] ids = new int[nl * 2];
    for (int i = 0; i < nl; i++) {
      ids[2 * i] = symbolId(labels, labels.name(i));
      ids[2 * i + 1] = symbolId(labels, labels.value(i));
      e.uvarint(ids[2 * i]);
      e.uvarint(ids[2 * i + 1]);
    }
    e.uvarint(n);
    if (n > 0) {
      e.varint(minTimes[0]);
      e.uvarint(maxTimes[0] - minTimes[0]);
      e.uvarint(refs[0]);
      for (int i = 1; i < n; i++) {
        e.uvarint(minTimes[i] - maxTimes[i - 1]);
        e.uvarint(maxTimes[i] - minTimes[i]);
        e.varint(refs[i] - refs[i - 1]);
      }
    }
    out.pad(SERIES_ALIGN);
    long ref = out.pos() / SERIES_ALIGN;
    if (ref > MAX_SERIES_REF) {
      throw new IOException("add series " + labels + " to index " + file
          + ": the series section exceeds 64 GiB, the most 32-bit series references can address");
    }
    lenBuf.len = 0;
    lenBuf.uvarint(e.len);
    crc.reset();
    crc.update(e.buf, 0, e.len);
    int sum = (int) crc.getValue();
    out.write(lenBuf.buf, 0, lenBuf.len);
    out.write(e.buf, 0, e.len);
    out.be32(sum);
    maxSeriesSize = Math.max(maxSeriesSize, lenBuf.len + e.len + 4L);

    int r = (int) ref;
    allPostings.add(r);
    for (int i = 0; i < nl; i++) {
      long key = ((long) ids[2 * i] << 32) | ids[2 * i + 1];
      postings.get(key).add(r);
    }
    lastSeries = labels;
    lastChunkRef = prevRef;
    seriesCount++;
  }

  private int symbolId(Labels series, String s) {
    Integer id = symbolIds.get(s);
    if (id == null) {
      throw new IllegalArgumentException("add series " + series + " to index " + file + ": \"" + s
          + "\" is not in the symbol table given at creation");
    }
    return id;
  }

  private void checkOpen() {
    if (finished || failed) {
      throw new IllegalStateException("index " + file + " is " + (finished ? "already finished" : "closed"));
    }
  }

  /** Number of series added so far. */
  public long seriesCount() {
    return seriesCount;
  }

  /** Size in bytes of the largest series entry written (length, body and CRC). */
  public long maxSeriesSize() {
    return maxSeriesSize;
  }

  /** Number of symbols in the table. */
  public int symbolCount() {
    return symbols.length;
  }

  /**
   * Writes the postings lists, the postings offset table and the TOC, then forces the file to
   * disk. The writer accepts no more series afterwards.
   */
  public void finish() throws IOException {
    checkOpen();
    try {
      long labelIndices = out.pos();
      out.pad(4);
      long postingsOffset = out.pos();
      long[] keys = postings.sortedKeys();
      long[] listOffsets = new long[keys.length];
      long allOffset = writePostingsList(allPostings);
      for (int i = 0; i < keys.length; i++) {
        IntList l = postings.get(keys[i]);
        listOffsets[i] = writePostingsList(l);
        l.release();
      }
      long tableOffset = out.pos();
      out.be32(0); // length, patched below
      CRC32C c = new CRC32C();
      Enc e = new Enc();
      e.be32(keys.length + 1);
      e.uvarint(2);
      e.uvarintStr("");
      e.uvarintStr("");
      e.uvarint(allOffset);
      for (int i = 0; i < keys.length; i++) {
        e.uvarint(2);
        e.uvarintStr(symbols[(int) (keys[i] >>> 32)]);
        e.uvarintStr(symbols[(int) keys[i]]);
        e.uvarint(listOffsets[i]);
        if (e.len > 1 << 16) {
          c.update(e.buf, 0, e.len);
          out.write(e.buf, 0, e.len);
          e.len = 0;
        }
      }
      c.update(e.buf, 0, e.len);
      out.write(e.buf, 0, e.len);
      long tableLen = out.pos() - tableOffset - 4;
      if (tableLen > 0xFFFF_FFFFL) {
        throw new IOException("write postings offset table of index " + file + ": " + tableLen
            + " bytes exceed the 4 GiB limit");
      }
      out.be32((int) c.getValue());
      out.patchBe32(tableOffset, (int) tableLen);

      Enc toc = new Enc();
      toc.be64(symbolsOffset);
      toc.be64(seriesOffset);
      toc.be64(labelIndices);
      toc.be64(tableOffset);
      toc.be64(postingsOffset);
      toc.be64(tableOffset);
      c.reset();
      c.update(toc.buf, 0, toc.len);
      toc.be32((int) c.getValue());
      out.write(toc.buf, 0, toc.len);
      out.flushAndForce();
      finished = true;
    } catch (IOException | RuntimeException ex) {
      failed = true;
      throw ex;
    }
  }

  private long writePostingsList(IntList l) throws IOException {
    out.pad(4);
    long at = out.pos();
    long len = 4L + 4L * l.n;
    if (len > 0xFFFF_FFFFL) {
      throw new IOException("write postings of index " + file + ": a list of " + l.n + " series exceeds 4 GiB");
    }
    out.be32((int) len);
    crc.reset();
    Enc e = entry;
    e.len = 0;
    e.be32(l.n);
    for (int i = 0; i < l.n; i++) {
      e.be32(l.a[i]);
      if (e.len >= 1 << 16) {
        crc.update(e.buf, 0, e.len);
        out.write(e.buf, 0, e.len);
        e.len = 0;
      }
    }
    crc.update(e.buf, 0, e.len);
    out.write(e.buf, 0, e.len);
    out.be32((int) crc.getValue());
    return at;
  }

  @Override
  public void close() throws IOException {
    postings.clear();
    out.close();
  }

  @Override
  public String toString() {
    return "IndexWriter[" + file + ", " + seriesCount + " series]";
  }

  /** A growable int array. */
  private static final class IntList {
    int[] a = new int[4];
    int n;

    void add(int v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n + (n >> 1) + 4);
      }
      a[n++] = v;
    }

    void release() {
      a = new int[0];
      n = 0;
    }
  }

  /**
   * Open-addressing map from a (name id, value id) pair packed in a long (never negative) to its
   * postings, without boxing the keys.
   */
  private static final class PostingsMap {
    private static final long FREE = -1;
    private long[] keys = newKeys(1024);
    private IntList[] values = new IntList[1024];
    private int size;

    private static long[] newKeys(int n) {
      long[] k = new long[n];
      Arrays.fill(k, FREE);
      return k;
    }

    private static int slot(long key, int mask) {
      long h = key * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The list of {@code key}, created empty when absent. */
    IntList get(long key) {
      int mask = keys.length - 1;
      int i = slot(key, mask);
      while (keys[i] != FREE) {
        if (keys[i] == key) {
          return values[i];
        }
        i = (i + 1) & mask;
      }
      if ((size + 1) * 4L > keys.length * 3L) {
        grow();
        return get(key);
      }
      keys[i] = key;
      IntList l = new IntList();
      values[i] = l;
      size++;
      return l;
    }

    private void grow() {
      long[] oldKeys = keys;
      IntList[] oldValues = values;
      keys = newKeys(oldKeys.length * 2);
      values = new IntList[oldKeys.length * 2];
      int mask = keys.length - 1;
      for (int j = 0; j < oldKeys.length; j++) {
        if (oldKeys[j] != FREE) {
          int i = slot(oldKeys[j], mask);
          while (keys[i] != FREE) {
            i = (i + 1) & mask;
          }
          keys[i] = oldKeys[j];
          values[i] = oldValues[j];
        }
      }
    }

    long[] sortedKeys() {
      long[] out = new long[size];
      int n = 0;
      for (long k : keys) {
        if (k != FREE) {
          out[n++] = k;
        }
      }
      Arrays.sort(out);
      return out;
    }

    void clear() {
      keys = newKeys(1);
      values = new IntList[1];
      size = 0;
    }
  }

  /** A growable byte buffer with the index's encodings. */
  static final class Enc {
    byte[] buf = new byte[256];
    int len;

    private void ensure(int more) {
      if (len + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(len + more, buf.length * 2));
      }
    }

    void u8(int v) {
      ensure(1);
      buf[len++] = (byte) v;
    }

    void be32(int v) {
      ensure(4);
      buf[len++] = (byte) (v >>> 24);
      buf[len++] = (byte) (v >>> 16);
      buf[len++] = (byte) (v >>> 8);
      buf[len++] = (byte) v;
    }

    void be64(long v) {
      be32((int) (v >>> 32));
      be32((int) v);
    }

    void uvarint(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[len++] = (byte) (v | 0x80);
        v >>>= 7;
      }
      buf[len++] = (byte) v;
    }

    void varint(long v) {
      uvarint((v << 1) ^ (v >> 63));
    }

    void uvarintStr(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      uvarint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }
  }

  /** A buffered file output that knows its position and can patch bytes already written. */
  private static final class Out {
    private final Path file;
    private final FileChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    private long flushed;
    private final byte[] zeros = new byte[16];

    Out(Path file, FileChannel ch) {
      this.file = file;
      this.ch = ch;
    }

    long pos() {
      return flushed + buf.position();
    }

    void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (!buf.hasRemaining()) {
          flush();
        }
        int n = Math.min(len, buf.remaining());
        buf.put(b, off, n);
        off += n;
        len -= n;
      }
    }

    void u8(int v) throws IOException {
      if (!buf.hasRemaining()) {
        flush();
      }
      buf.put((byte) v);
    }

    void be32(int v) throws IOException {
      if (buf.remaining() < 4) {
        flush();
      }
      buf.putInt(v);
    }

    void pad(int align) throws IOException {
      int p = (int) (pos() % align);
      if (p != 0) {
        write(zeros, 0, align - p);
      }
    }

    void patchBe32(long at, int v) throws IOException {
      if (at >= flushed) {
        buf.putInt((int) (at - flushed), v);
        return;
      }
      ByteBuffer b = ByteBuffer.allocate(4).putInt(0, v);
      while (b.hasRemaining()) {
        ch.write(b, at + b.position());
      }
    }

    void flush() throws IOException {
      buf.flip();
      while (buf.hasRemaining()) {
        flushed += ch.write(buf, flushed);
      }
      buf.clear();
    }

    void flushAndForce() throws IOException {
      flush();
      ch.force(true);
    }

    void close() throws IOException {
      ch.close();
    }

    void closeQuietly(Throwable primary) {
      try {
        ch.close();
      } catch (IOException e) {
        primary.addSuppressed(e);
      }
    }

    @Override
    public String toString() {
      return "Out[" + file + "]";
    }
  }
}
