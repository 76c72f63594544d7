package dev.hypnos.core.index;

import dev.hypnos.core.io.DecodeBuffer;
import dev.hypnos.core.io.DecodeException;
import dev.hypnos.core.io.RandomAccessInput;
import dev.hypnos.core.labels.Labels;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads a TSDB index file, format version 2 (see {@code tsdb/docs/format/index.md} in Prometheus).
 *
 * <p>At open it verifies the header (magic {@code 0xBAAAD700}, version byte 2), the table of
 * contents, the symbol table and the postings offset table, each against its CRC32C. In memory it
 * keeps the offset of every symbol ({@link Symbols}: 4 bytes per symbol, strings decoded on demand) and, per
 * label name, every {@value #SAMPLING}th entry of the postings offset table plus the last one, as
 * Prometheus does. Series entries and postings lists are read, and checked against their CRC, when
 * asked for.
 *
 * <p>Errors in the data raise {@link CorruptBlockException} naming the block, {@code index}, the
 * offset, and expected versus actual values.
 *
 * <p>Concurrency: safe for concurrent reads once opened. {@link #close} closes the input and must
 * not race with reads.
 */
public final class IndexReader implements Closeable {
  public static final int MAGIC = 0xBAAAD700;
  public static final int FORMAT_V2 = 2;
  static final int TOC_LEN = 6 * 8 + 4;
  static final int HEADER_LEN = 5;
  /** One in-memory postings offset entry per this many values of a label name. */
  public static final int SAMPLING = 32;
  private static final String FILE = "index";

  private final RandomAccessInput in;
  private final String block;
  private final Toc toc;

  private final Symbols symbols;

  // Postings offset table: the entries (after len, #entries), and sampled entries per name.
  private final ByteBuffer postingsTable;
  private final long postingsTableOffset;
  private final TreeMap<String, NameOffsets> names; // keys in Go byte order
  private final List<String> labelNames;

  /** The table of contents: absolute offsets of the sections, 0 when absent. */
  public record Toc(
      long symbols, long series, long labelIndices, long labelIndicesTable, long postings, long postingsTable) {}

  /** Sampled postings offset table entries of one label name. */
  private static final class NameOffsets {
    String[] values = new String[4];
    int[] tablePos = new int[4]; // entry start, relative to postingsTable
    long[] postingsOffset = new long[4];
    int n;
    int endPos; // position just past this name's last entry
    String lastValue = "";
    int lastPos;
    long lastPostingsOffset;

    void add(String value, int pos, long off) {
      if (n == values.length) {
        values = Arrays.copyOf(values, n * 2);
        tablePos = Arrays.copyOf(tablePos, n * 2);
        postingsOffset = Arrays.copyOf(postingsOffset, n * 2);
      }
      values[n] = value;
      tablePos[n] = pos;
      postingsOffset[n] = off;
      n++;
    }
  }

  private IndexReader(
      RandomAccessInput in,
      String block,
      Toc toc,
      Symbols symbols,
      ByteBuffer postingsTable,
      long postingsTableOffset,
      TreeMap<String, NameOffsets> names) {
    this.in = in;
    this.block = block;
    this.toc = toc;
    this.symbols = symbols;
    this.postingsTable = postingsTable;
    this.postingsTableOffset = postingsTableOffset;
    this.names = names;
    List<String> ln = new ArrayList<>(names.size());
    for (String name : names.keySet()) {
      if (!name.isEmpty()) {
        ln.add(name);
      }
    }
    this.labelNames = List.copyOf(ln);
  }

  /**
   * Opens and verifies an index. On success the reader owns {@code in} and closes it; on failure
   * {@code in} is closed too.
   *
   * @param block block id or directory, used in error messages
   */
  public static IndexReader open(RandomAccessInput in, String block) throws IOException {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(block, "block");
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

  /** Opens the index file at {@code file}, memory-mapped when below 2 GiB. */
  public static IndexReader open(java.nio.file.Path file, String block) throws IOException {
    return open(dev.hypnos.core.io.FileInput.open(file), block);
  }

  private static IndexReader doOpen(RandomAccessInput in, String block) throws IOException {
    long length = in.length();
    if (length < HEADER_LEN + TOC_LEN) {
      throw new CorruptBlockException(block, FILE, 0, "truncated index",
          "file has " + length + " bytes, fewer than the " + (HEADER_LEN + TOC_LEN) + " of header and TOC");
    }
    DecodeBuffer hdr = new DecodeBuffer(in.slice(0, HEADER_LEN), 0);
    int magic = hdr.be32();
    if (magic != MAGIC) {
      throw new CorruptBlockException(block, FILE, 0, "bad magic",
          "expected " + DecodeBuffer.hex32(MAGIC) + ", got " + DecodeBuffer.hex32(magic));
    }
    int version = hdr.u8();
    if (version != FORMAT_V2) {
      throw new CorruptBlockException(block, FILE, 4, "unsupported index version",
          "version byte is " + version + ", only index format version " + FORMAT_V2 + " is supported");
    }
    Toc toc = readToc(in, block, length);
    Decoder d = new Decoder(in, block);

    // Symbol table.
    Symbols symbols = Symbols.empty(block, FILE);
    if (toc.symbols() != 0) {
      symbols = Symbols.read(d.section(toc.symbols(), "symbol table"), toc.symbols() + 4, block, FILE);
    }

    // Postings offset table.
    ByteBuffer table = ByteBuffer.allocate(4).putInt(0, 0);
    long tableOffset = 0;
    TreeMap<String, NameOffsets> names = new TreeMap<>(Labels::compareStrings);
    if (toc.postingsTable() != 0) {
      table = d.section(toc.postingsTable(), "postings offset table");
      tableOffset = toc.postingsTable() + 4;
      try {
        readPostingsTable(new DecodeBuffer(table, tableOffset), names);
      } catch (DecodeException e) {
        throw d.corrupt("malformed postings offset table", e);
      }
    }
    return new IndexReader(in, block, toc, symbols, table, tableOffset, names);
  }

  private static Toc readToc(RandomAccessInput in, String block, long length) throws IOException {
    long at = length - TOC_LEN;
    ByteBuffer b = in.slice(at, TOC_LEN);
    int want = b.getInt(48);
    int got = DecodeBuffer.crc32c(b, 0, 48);
    if (want != got) {
      throw CorruptBlockException.crcMismatch(block, FILE, at, "table of contents", want, got);
    }
    long[] o = new long[6];
    for (int i = 0; i < 6; i++) {
      o[i] = b.getLong(i * 8);
      if (o[i] < 0 || o[i] > at) {
        throw new CorruptBlockException(block, FILE, at + i * 8L, "malformed table of contents",
            "section offset " + o[i] + " lies outside the file body of " + at + " bytes");
      }
    }
    return new Toc(o[0], o[1], o[2], o[3], o[4], o[5]);
  }

  private static void readPostingsTable(DecodeBuffer b, TreeMap<String, NameOffsets> names) {
    long count = b.be32u();
    NameOffsets cur = null;
    ByteBuffer prevName = null;
    int sinceSample = 0;
    for (long i = 0; i < count; i++) {
      int entryPos = b.position();
      long entryOffset = b.offset();
      long keys = b.uvarint();
      if (keys != 2) {
        throw new DecodeException("postings offset entry has " + keys + " keys, expected 2", entryOffset);
      }
      int nameLen = b.uvarintInt();
      ByteBuffer nameBytes = b.view(nameLen);
      String value = b.uvarintString();
      long off = b.uvarint();
      if (cur == null || !nameBytes.equals(prevName)) {
        if (cur != null) {
          finishName(cur);
        }
        String name = java.nio.charset.StandardCharsets.UTF_8.decode(nameBytes.duplicate()).toString();
        cur = new NameOffsets();
        names.put(name, cur);
        prevName = nameBytes;
        sinceSample = 0;
      }
      if (sinceSample % SAMPLING == 0) {
        cur.add(value, entryPos, off);
      }
      sinceSample++;
      cur.lastValue = value;
      cur.lastPos = entryPos;
      cur.lastPostingsOffset = off;
      cur.endPos = b.position();
    }
    if (cur != null) {
      finishName(cur);
    }
  }

  private static void finishName(NameOffsets n) {
    if (n.tablePos[n.n - 1] != n.lastPos) {
      n.add(n.lastValue, n.lastPos, n.lastPostingsOffset);
    }
  }

  /** Reads sections of the index, turning truncation and checksum errors into corruption errors. */
  private static final class Decoder {
    final RandomAccessInput in;
    final String block;

    Decoder(RandomAccessInput in, String block) {
      this.in = in;
      this.block = block;
    }

    ByteBuffer slice(long offset, long len, String what) throws CorruptBlockException {
      if (len > Integer.MAX_VALUE) {
        throw new CorruptBlockException(block, FILE, offset, "malformed " + what,
            "length " + len + " exceeds 2 GiB");
      }
      try {
        return in.slice(offset, (int) len);
      } catch (EOFException e) {
        throw new CorruptBlockException(block, FILE, offset, "truncated " + what,
            "needs " + len + " bytes at offset " + offset + ", file has " + in.length(), e);
      } catch (IOException e) {
        throw new CorruptBlockException(block, FILE, offset, "unreadable " + what, String.valueOf(e.getMessage()), e);
      }
    }

    /** A {@code len <4B>, body, CRC32 <4B>} section: returns the CRC-verified body. */
    ByteBuffer section(long offset, String what) throws CorruptBlockException {
      long len = slice(offset, 4, what).getInt(0) & 0xFFFF_FFFFL;
      ByteBuffer all = slice(offset + 4, len + 4, what);
      int want = all.getInt((int) len);
      int got = DecodeBuffer.crc32c(all, 0, (int) len);
      if (want != got) {
        throw CorruptBlockException.crcMismatch(block, FILE, offset, what, want, got);
      }
      return all.slice(0, (int) len);
    }

    CorruptBlockException corrupt(String what, DecodeException e) {
      return new CorruptBlockException(block, FILE, e.offset(), what, String.valueOf(e.getMessage()), e);
    }
  }

  public String block() {
    return block;
  }

  public Toc toc() {
    return toc;
  }

  public int version() {
    return FORMAT_V2;
  }

  /** The symbol table. */
  public Symbols symbols() {
    return symbols;
  }

  /** The symbol with sequential reference {@code ref}. */
  public String symbol(long ref) throws CorruptBlockException {
    return symbols.lookup(ref);
  }

  /** All label names, sorted in Go byte order, without the empty all-postings key. */
  public List<String> labelNames() {
    return labelNames;
  }

  /** All values of {@code name}, sorted; empty when the name is unknown. */
  public List<String> labelValues(String name) throws CorruptBlockException {
    NameOffsets n = names.get(name);
    if (n == null || name.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    DecodeBuffer b = new DecodeBuffer(postingsTable, postingsTableOffset);
    try {
      b.position(n.tablePos[0]);
      while (b.position() < n.endPos) {
        b.uvarint();
        b.skipUvarintBytes();
        out.add(b.uvarintString());
        b.uvarint();
      }
    } catch (DecodeException e) {
      throw new Decoder(in, block).corrupt("malformed postings offset table reading values of " + name, e);
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The series having label {@code name} equal to any of {@code values} (a union). Values that do
   * not occur are skipped. Reads and CRC-checks each postings list.
   */
  public Postings postings(String name, String... values) throws CorruptBlockException {
    NameOffsets n = names.get(name);
    if (n == null || values.length == 0) {
      return Postings.EMPTY;
    }
    List<Postings> lists = new ArrayList<>(values.length);
    for (String v : values) {
      long off = postingsOffset(n, name, v);
      if (off >= 0) {
        lists.add(readPostings(off, name, v));
      }
    }
    return Postings.merge(lists);
  }

  /** Every series in the index, in index (label set) order. */
  public Postings allPostings() throws CorruptBlockException {
    return postings("", "");
  }

  /**
   * Postings in label-set order. Series references of an index are offsets of entries sorted by
   * label set, so any postings from this reader already are; this returns {@code p}.
   */
  public Postings sortedPostings(Postings p) {
    return p;
  }

  private long postingsOffset(NameOffsets n, String name, String value) throws CorruptBlockException {
    // Last sampled value <= value.
    int lo = 0;
    int hi = n.n - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Labels.compareStrings(n.values[mid], value);
      if (c == 0) {
        return n.postingsOffset[mid];
      }
      if (c < 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0 || found == n.n - 1) {
      return -1;
    }
    DecodeBuffer b = new DecodeBuffer(postingsTable, postingsTableOffset);
    try {
      b.position(n.tablePos[found]);
      int end = n.tablePos[found + 1];
      while (b.position() < end) {
        b.uvarint();
        b.skipUvarintBytes();
        String v = b.uvarintString();
        long off = b.uvarint();
        int c = Labels.compareStrings(v, value);
        if (c == 0) {
          return off;
        }
        if (c > 0) {
          return -1;
        }
      }
      return -1;
    } catch (DecodeException e) {
      throw new Decoder(in, block).corrupt("malformed postings offset table reading " + name, e);
    }
  }

  private Postings readPostings(long offset, String name, String value) throws CorruptBlockException {
    Decoder d = new Decoder(in, block);
    String what = "postings list for " + name + "=\"" + value + "\"";
    ByteBuffer body = d.section(offset, what);
    if (body.limit() < 4) {
      throw new CorruptBlockException(block, FILE, offset, "malformed " + what,
          "length " + body.limit() + " is shorter than the entry count");
    }
    long count = body.getInt(0) & 0xFFFF_FFFFL;
    if (count * 4 + 4 != body.limit()) {
      throw new CorruptBlockException(block, FILE, offset, "malformed " + what,
          "expected " + (count * 4 + 4) + " bytes for " + count + " entries, section has " + body.limit());
    }
    return Postings.bigEndian32(body.slice(4, (int) count * 4), (int) count);
  }

  /**
   * Reads the series with reference {@code ref} (its offset / 16) into {@code out}: labels, then
   * chunk metas. The entry's CRC is checked.
   */
  public void series(long ref, SeriesBuilder out) throws CorruptBlockException {
    Decoder d = new Decoder(in, block);
    long offset = ref * 16;
    if (ref < 0 || offset <= 0 || offset >= in.length() - TOC_LEN) {
      throw new CorruptBlockException(block, FILE, Math.max(offset, 0), "bad series reference",
          "reference " + ref + " points outside the file");
    }
    int lenBytes = (int) Math.min(10, in.length() - offset);
    long len;
    int lenSize;
    try {
      DecodeBuffer lb = new DecodeBuffer(d.slice(offset, lenBytes, "series entry"), offset);
      len = lb.uvarint();
      lenSize = lb.position();
    } catch (DecodeException e) {
      throw d.corrupt("malformed series entry length", e);
    }
    long bodyOffset = offset + lenSize;
    ByteBuffer all = d.slice(bodyOffset, len + 4, "series entry " + ref);
    int want = all.getInt((int) len);
    int got = DecodeBuffer.crc32c(all, 0, (int) len);
    if (want != got) {
      throw CorruptBlockException.crcMismatch(block, FILE, offset, "series entry " + ref, want, got);
    }
    DecodeBuffer b = new DecodeBuffer(all, bodyOffset).limit((int) len);
    try {
      int nl = b.uvarintInt();
      if (nl > b.remaining()) {
        throw new DecodeException("series claims " + nl + " labels in " + b.remaining() + " bytes", bodyOffset);
      }
      String[] kv = new String[nl * 2];
      for (int i = 0; i < nl; i++) {
        kv[2 * i] = symbols.lookup(b.uvarint32());
        kv[2 * i + 1] = symbols.lookup(b.uvarint32());
      }
      out.reset(Labels.fromSortedUnsafe(kv));
      int nc = b.uvarintInt();
      if (nc > b.remaining()) {
        throw new DecodeException("series claims " + nc + " chunks in " + b.remaining() + " bytes", b.offset());
      }
      if (nc > 0) {
        long mint = b.varint();
        long maxt = mint + b.uvarint();
        long cref = b.uvarint();
        out.addChunk(mint, maxt, cref);
        for (int i = 1; i < nc; i++) {
          mint = maxt + b.uvarint();
          maxt = mint + b.uvarint();
          cref += b.varint();
          out.addChunk(mint, maxt, cref);
        }
      }
    } catch (DecodeException e) {
      throw d.corrupt("malformed series entry " + ref, e);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  @Override
  public String toString() {
    return "IndexReader[" + block + "/" + FILE + "]";
  }
}
