package dev.hypnos.storegateway.indexheader;

import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.io.DecodeBuffer;
import dev.hypnos.core.io.DecodeException;
import dev.hypnos.core.io.FileInput;
import dev.hypnos.core.labels.Labels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Reads an index-header file written by {@link IndexHeaderWriter} (or by Thanos), memory-mapped.
 *
 * <p>At open it checks the magic, version, the trailing TOC's CRC, and the CRCs of the copied
 * symbol table and postings offset table. It keeps in memory one offset per {@value #SAMPLING}
 * symbols, and per label name the first and last value and every {@value #SAMPLING}th value in
 * between with their positions in the table; everything else is read from the mapping on demand.
 *
 * <p>Concurrency: safe for concurrent reads; {@link #close} must not race with reads.
 */
public final class IndexHeaderReader implements IndexHeader {
  /** In-memory sampling of symbols and of postings offset entries (Thanos's default, 32). */
  public static final int SAMPLING = 32;
  private static final String FILE = "index-header";
  private static final int CACHE_SIZE = 1024;

  private final FileInput in;
  private final String block;
  private final int indexVersion;
  private final long lastPostingEnd;
  private final ByteBuffer symbols; // section body: #symbols <4B>, strings
  private final long symbolsBase;
  private final int[] symbolSamples;
  private final int symbolCount;
  private final ByteBuffer table; // section body: #entries <4B>, entries
  private final long tableBase;
  private final TreeMap<String, NameEntries> names;
  private final List<String> labelNames;
  private final AtomicReferenceArray<CachedSymbol> symbolCache = new AtomicReferenceArray<>(CACHE_SIZE);

  private record CachedSymbol(long ref, String value) {}

  /** Sampled postings offset entries of one label name. */
  private static final class NameEntries {
    String[] values = new String[2];
    int[] positions = new int[2];
    int n;
    int endPos; // table position just after this name's last entry
    String lastValue = "";
    int lastPos;

    void add(String value, int pos) {
      if (n == values.length) {
        values = Arrays.copyOf(values, n * 2);
        positions = Arrays.copyOf(positions, n * 2);
      }
      values[n] = value;
      positions[n] = pos;
      n++;
    }

    void trim() {
      if (n == 0 || positions[n - 1] != lastPos) {
        add(lastValue, lastPos);
      }
      values = Arrays.copyOf(values, n);
      positions = Arrays.copyOf(positions, n);
    }
  }

  private IndexHeaderReader(FileInput in, String block, int indexVersion, long lastPostingEnd, ByteBuffer symbols,
      long symbolsBase, int[] symbolSamples, int symbolCount, ByteBuffer table, long tableBase,
      TreeMap<String, NameEntries> names) {
    this.in = in;
    this.block = block;
    this.indexVersion = indexVersion;
    this.lastPostingEnd = lastPostingEnd;
    this.symbols = symbols;
    this.symbolsBase = symbolsBase;
    this.symbolSamples = symbolSamples;
    this.symbolCount = symbolCount;
    this.table = table;
    this.tableBase = tableBase;
    this.names = names;
    List<String> ln = new ArrayList<>(names.size());
    for (String n : names.keySet()) {
      if (!n.isEmpty()) {
        ln.add(n);
      }
    }
    this.labelNames = List.copyOf(ln);
  }

  /**
   * Opens and verifies the index-header at {@code file}.
   *
   * @param block block id, for error messages
   */
  public static IndexHeaderReader open(Path file, String block) throws IOException {
    Objects.requireNonNull(block, "block");
    FileInput in = FileInput.open(file);
    try {
      return doOpen(in, block);
    } catch (IOException | RuntimeException e) {
      try {
        in.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static IndexHeaderReader doOpen(FileInput in, String block) throws IOException {
    long length = in.length();
    if (length < IndexHeaderWriter.HEADER_LEN + IndexHeaderWriter.TOC_LEN) {
      throw new CorruptBlockException(block, FILE, 0, "truncated index-header",
          "file " + in.name() + " has " + length + " bytes");
    }
    if (length > Integer.MAX_VALUE) {
      throw new CorruptBlockException(block, FILE, 0, "index-header too large",
          "file " + in.name() + " has " + length + " bytes, at most 2 GiB are supported");
    }
    ByteBuffer all = in.slice(0, (int) length);
    int magic = all.getInt(0);
    if (magic != IndexHeaderWriter.MAGIC) {
      throw new CorruptBlockException(block, FILE, 0, "bad magic",
          "expected " + DecodeBuffer.hex32(IndexHeaderWriter.MAGIC) + ", got " + DecodeBuffer.hex32(magic));
    }
    int version = all.get(4) & 0xFF;
    if (version != IndexHeaderWriter.FORMAT_V1) {
      throw new CorruptBlockException(block, FILE, 4, "unsupported index-header version",
          "version byte is " + version + ", expected " + IndexHeaderWriter.FORMAT_V1);
    }
    int indexVersion = all.get(5) & 0xFF;
    if (indexVersion != 2) {
      throw new CorruptBlockException(block, FILE, 5, "unsupported index version",
          "the index-header describes an index of version " + indexVersion + ", only version 2 is supported");
    }
    long lastPostingEnd = all.getLong(6);
    int tocAt = (int) length - IndexHeaderWriter.TOC_LEN;
    int want = all.getInt(tocAt + 16);
    int got = DecodeBuffer.crc32c(all, tocAt, 16);
    if (want != got) {
      throw CorruptBlockException.crcMismatch(block, FILE, tocAt, "index-header table of contents", want, got);
    }
    long symbolsOffset = all.getLong(tocAt);
    long tableOffset = all.getLong(tocAt + 8);
    if (symbolsOffset < IndexHeaderWriter.HEADER_LEN || tableOffset < symbolsOffset || tableOffset >= tocAt) {
      throw new CorruptBlockException(block, FILE, tocAt, "malformed index-header table of contents",
          "symbols at " + symbolsOffset + ", postings offset table at " + tableOffset + " in " + length + " bytes");
    }
    ByteBuffer symbols = section(all, (int) symbolsOffset, tocAt, block, "symbol table");
    ByteBuffer table = section(all, (int) tableOffset, tocAt, block, "postings offset table");
    long symbolsBase = symbolsOffset + 4;
    long tableBase = tableOffset + 4;
    int[] samples;
    int count;
    try {
      DecodeBuffer b = new DecodeBuffer(symbols, symbolsBase);
      long c = b.be32u();
      if (c > b.remaining()) {
        throw new DecodeException("symbol table claims " + c + " symbols in " + b.remaining() + " bytes", symbolsBase);
      }
      count = (int) c;
      samples = new int[(count + SAMPLING - 1) / SAMPLING];
      for (int i = 0; i < count; i++) {
        if (i % SAMPLING == 0) {
          samples[i / SAMPLING] = b.position();
        }
        b.skipUvarintBytes();
      }
    } catch (DecodeException e) {
      throw new CorruptBlockException(block, FILE, e.offset(), "malformed symbol table", String.valueOf(e.getMessage()), e);
    }
    TreeMap<String, NameEntries> names = new TreeMap<>(Labels::compareStrings);
    try {
      readTable(new DecodeBuffer(table, tableBase), names);
    } catch (DecodeException e) {
      throw new CorruptBlockException(block, FILE, e.offset(), "malformed postings offset table",
          String.valueOf(e.getMessage()), e);
    }
    return new IndexHeaderReader(in, block, indexVersion, lastPostingEnd, symbols, symbolsBase, samples, count, table,
        tableBase, names);
  }

  private static ByteBuffer section(ByteBuffer all, int at, int limit, String block, String what)
      throws CorruptBlockException {
    if (at + 4 > limit) {
      throw new CorruptBlockException(block, FILE, at, "truncated " + what, "no room for its length");
    }
    long len = all.getInt(at) & 0xFFFF_FFFFL;
    if (at + 4 + len + 4 > limit) {
      throw new CorruptBlockException(block, FILE, at, "truncated " + what,
          "length " + len + " runs past the end of the copied data at " + limit);
    }
    int want = all.getInt(at + 4 + (int) len);
    int got = DecodeBuffer.crc32c(all, at + 4, (int) len);
    if (want != got) {
      throw CorruptBlockException.crcMismatch(block, FILE, at, what, want, got);
    }
    return all.slice(at + 4, (int) len);
  }

  private static void readTable(DecodeBuffer b, TreeMap<String, NameEntries> names) {
    long count = b.be32u();
    NameEntries cur = null;
    ByteBuffer prevName = null;
    int sinceSample = 0;
    for (long i = 0; i < count; i++) {
      int pos = b.position();
      long at = b.offset();
      long keys = b.uvarint();
      if (keys != 2) {
        throw new DecodeException("postings offset entry has " + keys + " keys, expected 2", at);
      }
      ByteBuffer nameBytes = b.view(b.uvarintInt());
      String value = b.uvarintString();
      b.uvarint();
      if (cur == null || !nameBytes.equals(prevName)) {
        if (cur != null) {
          cur.trim();
        }
        cur = new NameEntries();
        names.put(StandardCharsets.UTF_8.decode(nameBytes.duplicate()).toString(), cur);
        prevName = nameBytes;
        sinceSample = 0;
      }
      if (sinceSample % SAMPLING == 0) {
        cur.add(value, pos);
      }
      sinceSample++;
      cur.lastValue = value;
      cur.lastPos = pos;
      cur.endPos = b.position();
    }
    if (cur != null) {
      cur.trim();
    }
  }

  public String block() {
    return block;
  }

  @Override
  public int indexVersion() {
    return indexVersion;
  }

  /** Number of symbols in the table. */
  public int symbolCount() {
    return symbolCount;
  }

  @Override
  public String symbol(long ref) throws CorruptBlockException {
    if (ref < 0 || ref >= symbolCount) {
      throw new CorruptBlockException(block, "index", 0, "unknown symbol reference",
          "reference " + ref + ", the table has " + symbolCount + " symbols");
    }
    int slot = (int) (ref % CACHE_SIZE);
    CachedSymbol c = symbolCache.get(slot);
    if (c != null && c.ref == ref) {
      return c.value;
    }
    try {
      DecodeBuffer b = new DecodeBuffer(symbols, symbolsBase).position(symbolSamples[(int) (ref / SAMPLING)]);
      for (long skip = ref % SAMPLING; skip > 0; skip--) {
        b.skipUvarintBytes();
      }
      String s = b.uvarintString();
      symbolCache.set(slot, new CachedSymbol(ref, s));
      return s;
    } catch (DecodeException e) {
      throw new CorruptBlockException(block, FILE, e.offset(), "malformed symbol " + ref, String.valueOf(e.getMessage()), e);
    }
  }

  /**
   * Resolves a batch of references with one decoding cursor: a symbol not in the cache is decoded
   * from where the previous miss ended when that is nearer than its sampled offset. The references
   * of a batch of series mostly ascend (series are sorted by labels, and so are symbols), so
   * neighbouring values cost one string decode each instead of up to {@value #SAMPLING} skips.
   */
  @Override
  public void symbols(int[] refs, int from, int to, String[] out, int outOff) throws CorruptBlockException {
    DecodeBuffer b = null;
    long at = -1; // the cursor b stands at the start of symbol `at`
    for (int i = from; i < to; i++) {
      long ref = refs[i] & 0xFFFF_FFFFL;
      if (ref >= symbolCount) {
        throw new CorruptBlockException(block, "index", 0, "unknown symbol reference",
            "reference " + ref + ", the table has " + symbolCount + " symbols");
      }
      int slot = (int) (ref % CACHE_SIZE);
      CachedSymbol c = symbolCache.get(slot);
      if (c != null && c.ref == ref) {
        out[outOff + i - from] = c.value;
        continue;
      }
      try {
        long skip;
        if (b != null && at >= 0 && at <= ref && ref - at <= ref % SAMPLING) {
          skip = ref - at;
        } else {
          if (b == null) {
            b = new DecodeBuffer(symbols, symbolsBase);
          }
          b.position(symbolSamples[(int) (ref / SAMPLING)]);
          skip = ref % SAMPLING;
        }
        for (; skip > 0; skip--) {
          b.skipUvarintBytes();
        }
        String v = b.uvarintString();
        at = ref + 1;
        symbolCache.set(slot, new CachedSymbol(ref, v));
        out[outOff + i - from] = v;
      } catch (DecodeException e) {
        throw new CorruptBlockException(block, FILE, e.offset(), "malformed symbol " + ref, String.valueOf(e.getMessage()), e);
      }
    }
  }

  @Override
  public List<String> labelNames() {
    return labelNames;
  }

  @Override
  public List<String> labelValues(String name) throws CorruptBlockException {
    NameEntries e = names.get(name);
    if (e == null || name.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(e.n * 4);
    DecodeBuffer b = new DecodeBuffer(table, tableBase);
    try {
      b.position(e.positions[0]);
      while (b.position() < e.endPos) {
        b.uvarint();
        b.skipUvarintBytes();
        out.add(b.uvarintString());
        b.uvarint();
      }
    } catch (DecodeException ex) {
      throw new CorruptBlockException(block, FILE, ex.offset(), "malformed postings offset table reading values of "
          + name, String.valueOf(ex.getMessage()), ex);
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public @Nullable PostingsRange postingsRange(String name, String value) throws CorruptBlockException {
    NameEntries e = names.get(name);
    if (e == null) {
      return null;
    }
    int lo = 0;
    int hi = e.n - 1;
    int from = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Labels.compareStrings(e.values[mid], value);
      if (c <= 0) {
        from = mid;
        if (c == 0) {
          break;
        }
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (from < 0) {
      return null;
    }
    DecodeBuffer b = new DecodeBuffer(table, tableBase);
    try {
      b.position(e.positions[from]);
      while (b.position() < e.endPos) {
        b.uvarint();
        b.skipUvarintBytes();
        String v = b.uvarintString();
        long off = b.uvarint();
        int c = Labels.compareStrings(v, value);
        if (c == 0) {
          long end = lastPostingEnd;
          if (b.remaining() > 0) {
            b.uvarint();
            b.skipUvarintBytes();
            b.skipUvarintBytes();
            end = b.uvarint();
          }
          if (end < off) {
            throw new CorruptBlockException(block, FILE, b.offset(), "malformed postings offset table",
                "postings of " + name + "=" + value + " start at " + off + " but the next list starts at " + end);
          }
          return new PostingsRange(name, value, off, end);
        }
        if (c > 0) {
          return null;
        }
      }
      return null;
    } catch (DecodeException ex) {
      throw new CorruptBlockException(block, FILE, ex.offset(), "malformed postings offset table reading " + name,
          String.valueOf(ex.getMessage()), ex);
    }
  }

  @Override
  public List<PostingsRange> postingsRanges(String name, java.util.function.Predicate<String> accept)
      throws CorruptBlockException {
    NameEntries e = names.get(name);
    if (e == null || name.isEmpty()) {
      return List.of();
    }
    List<PostingsRange> out = new ArrayList<>();
    DecodeBuffer b = new DecodeBuffer(table, tableBase);
    try {
      b.position(e.positions[0]);
      String pending = null;
      long pendingOff = 0;
      while (b.position() < e.endPos) {
        b.uvarint();
        b.skipUvarintBytes();
        String v = b.uvarintString();
        long off = b.uvarint();
        if (pending != null) {
          out.add(range(name, pending, pendingOff, off, b.offset()));
          pending = null;
        }
        if (accept.test(v)) {
          pending = v;
          pendingOff = off;
        }
      }
      if (pending != null) {
        long end = lastPostingEnd;
        if (b.remaining() > 0) {
          b.uvarint();
          b.skipUvarintBytes();
          b.skipUvarintBytes();
          end = b.uvarint();
        }
        out.add(range(name, pending, pendingOff, end, b.offset()));
      }
    } catch (DecodeException ex) {
      throw new CorruptBlockException(block, FILE, ex.offset(), "malformed postings offset table reading " + name,
          String.valueOf(ex.getMessage()), ex);
    }
    return out;
  }

  private PostingsRange range(String name, String value, long off, long end, long at) throws CorruptBlockException {
    if (end < off) {
      throw new CorruptBlockException(block, FILE, at, "malformed postings offset table",
          "postings of " + name + "=" + value + " start at " + off + " but the next list starts at " + end);
    }
    return new PostingsRange(name, value, off, end);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  @Override
  public String toString() {
    return "IndexHeaderReader[" + block + "]";
  }
}
