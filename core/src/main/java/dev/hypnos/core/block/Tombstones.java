package dev.hypnos.core.block;

import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.io.DecodeBuffer;
import dev.hypnos.core.io.DecodeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deleted time ranges per series, from a block's {@code tombstones} file (Prometheus
 * {@code tsdb/tombstones/tombstones.go}): magic {@code 0x0130BA30}, version 1, then entries
 * {@code uvarint seriesRef, varint mint, varint maxt}, then CRC32C over the entries. Intervals of a
 * series are kept sorted and merged where they overlap or touch, as Prometheus does.
 *
 * <p>Concurrency: immutable once read.
 */
public final class Tombstones {
  public static final int MAGIC = 0x0130BA30;
  public static final int VERSION_1 = 1;
  public static final String FILE_NAME = "tombstones";
  public static final Tombstones EMPTY = new Tombstones(Map.of(), 0);

  /** A closed deleted range {@code [minTime, maxTime]} in milliseconds. */
  public record Interval(long minTime, long maxTime) {
    public boolean contains(long t) {
      return t >= minTime && t <= maxTime;
    }
  }

  private final Map<Long, List<Interval>> bySeries;
  private final long numIntervals;

  private Tombstones(Map<Long, List<Interval>> bySeries, long numIntervals) {
    this.bySeries = bySeries;
    this.numIntervals = numIntervals;
  }

  /** Reads {@code <blockDir>/tombstones}; a missing file means no tombstones. */
  public static Tombstones read(Path blockDir, String block) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(blockDir.resolve(FILE_NAME));
    } catch (NoSuchFileException e) {
      return EMPTY;
    }
    return parse(bytes, block);
  }

  /** Parses the content of a tombstones file. */
  public static Tombstones parse(byte[] bytes, String block) throws CorruptBlockException {
    if (bytes.length < 9) {
      throw new CorruptBlockException(block, FILE_NAME, 0, "truncated tombstones",
          "file has " + bytes.length + " bytes, at least 9 are needed (magic, version, CRC)");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int magic = buf.getInt(0);
    if (magic != MAGIC) {
      throw new CorruptBlockException(block, FILE_NAME, 0, "bad magic",
          "expected " + DecodeBuffer.hex32(MAGIC) + ", got " + DecodeBuffer.hex32(magic));
    }
    int version = bytes[4] & 0xFF;
    if (version != VERSION_1) {
      throw new CorruptBlockException(block, FILE_NAME, 4, "unsupported tombstones version",
          "version byte is " + version + ", only version " + VERSION_1 + " is supported");
    }
    int end = bytes.length - 4;
    int want = buf.getInt(end);
    int got = DecodeBuffer.crc32c(buf, 5, end - 5);
    if (want != got) {
      throw CorruptBlockException.crcMismatch(block, FILE_NAME, end, "tombstone entries", want, got);
    }
    Map<Long, List<Interval>> m = new HashMap<>();
    long n = 0;
    DecodeBuffer b = new DecodeBuffer(buf.slice(5, end - 5), 5);
    try {
      while (b.remaining() > 0) {
        long ref = b.uvarint();
        long mint = b.varint();
        long maxt = b.varint();
        m.computeIfAbsent(ref, k -> new ArrayList<>()).add(new Interval(mint, maxt));
        n++;
      }
    } catch (DecodeException e) {
      throw new CorruptBlockException(block, FILE_NAME, e.offset(), "malformed tombstone entry",
          String.valueOf(e.getMessage()), e);
    }
    Map<Long, List<Interval>> merged = new HashMap<>(m.size() * 2);
    m.forEach((k, v) -> merged.put(k, mergeIntervals(v)));
    return new Tombstones(Map.copyOf(merged), n);
  }

  private static List<Interval> mergeIntervals(List<Interval> in) {
    List<Interval> sorted = new ArrayList<>(in);
    sorted.sort(Comparator.comparingLong(Interval::minTime));
    List<Interval> out = new ArrayList<>(sorted.size());
    for (Interval iv : sorted) {
      if (!out.isEmpty()) {
        Interval last = out.get(out.size() - 1);
        // Overlapping or adjacent (maxt + 1 == mint) ranges become one.
        if (iv.minTime() <= last.maxTime() || iv.minTime() - 1 == last.maxTime()) {
          out.set(out.size() - 1, new Interval(last.minTime(), Math.max(last.maxTime(), iv.maxTime())));
          continue;
        }
      }
      out.add(iv);
    }
    return List.copyOf(out);
  }

  /** Deleted intervals of series {@code ref}, sorted; empty when none. */
  public List<Interval> get(long ref) {
    List<Interval> l = bySeries.get(ref);
    return l == null ? List.of() : l;
  }

  /** True when some interval of series {@code ref} covers {@code t}. */
  public boolean isDeleted(long ref, long t) {
    for (Interval iv : get(ref)) {
      if (iv.contains(t)) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return bySeries.isEmpty();
  }

  /** Number of series with tombstones. */
  public int seriesCount() {
    return bySeries.size();
  }

  /** Number of intervals as stored in the file, before merging. */
  public long entryCount() {
    return numIntervals;
  }
}
