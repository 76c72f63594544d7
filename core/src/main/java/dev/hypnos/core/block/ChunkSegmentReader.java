package dev.hypnos.core.block;

import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.io.DecodeBuffer;
import dev.hypnos.core.io.DecodeException;
import dev.hypnos.core.io.FileInput;
import dev.hypnos.core.io.RandomAccessInput;
import dev.hypnos.core.util.IoUtil;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Reads chunks from a block's segment files {@code chunks/000001, 000002, ...} (format: Prometheus
 * {@code tsdb/docs/format/chunks.md}).
 *
 * <p>Each segment starts with an 8-byte header: magic {@code 0x85BD40DD}, version 1, three zero
 * bytes. A chunk is {@code uvarint len, encoding <1B>, data <len B>, CRC32C(encoding ‖ data) <4B>}.
 * A chunk reference is {@code segmentIndex << 32 | offset}, segment index 0 being file
 * {@code 000001}. Headers are checked at open, each chunk's CRC when it is read.
 *
 * <p>Concurrency: safe for concurrent reads; {@link #close} must not race with reads.
 */
public final class ChunkSegmentReader implements Closeable {
  public static final int MAGIC = 0x85BD40DD;
  public static final int VERSION_1 = 1;
  public static final int HEADER_LEN = 8;

  private final String block;
  private final List<String> names; // "chunks/000001"
  private final List<RandomAccessInput> segments;

  private ChunkSegmentReader(String block, List<String> names, List<RandomAccessInput> segments) {
    this.block = block;
    this.names = names;
    this.segments = segments;
  }

  /**
   * Opens every segment file in {@code chunksDir} (six-digit names, in order, which must be
   * consecutive from {@code 000001}).
   *
   * @param block block id or directory, for error messages
   */
  public static ChunkSegmentReader open(Path chunksDir, String block) throws IOException {
    List<String> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(chunksDir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.length() == 6 && n.chars().allMatch(Character::isDigit)) {
          files.add(n);
        }
      }
    }
    Collections.sort(files);
    for (int i = 0; i < files.size(); i++) {
      String want = String.format("%06d", i + 1);
      if (!files.get(i).equals(want)) {
        throw new CorruptBlockException(block, "chunks/" + want, 0, "missing chunk segment",
            "found " + files + " in " + chunksDir + ", segments must be numbered from 000001 without gaps");
      }
    }
    List<RandomAccessInput> inputs = new ArrayList<>(files.size());
    List<String> names = new ArrayList<>(files.size());
    try {
      for (String f : files) {
        inputs.add(FileInput.open(chunksDir.resolve(f)));
        names.add("chunks/" + f);
      }
    } catch (IOException | RuntimeException e) {
      closeAll(inputs, e);
      throw e;
    }
    return open(inputs, names, block);
  }

  /**
   * Wraps already opened segments; {@code names.get(i)} names segment {@code i} in errors. The
   * reader owns the inputs (also when this throws).
   */
  public static ChunkSegmentReader open(List<RandomAccessInput> segments, List<String> names, String block)
      throws IOException {
    Objects.requireNonNull(block, "block");
    if (segments.size() != names.size()) {
      throw new IllegalArgumentException(segments.size() + " segments but " + names.size() + " names");
    }
    List<RandomAccessInput> segs = List.copyOf(segments);
    try {
      for (int i = 0; i < segs.size(); i++) {
        checkHeader(segs.get(i), names.get(i), block);
      }
    } catch (IOException | RuntimeException e) {
      closeAll(segs, e);
      throw e;
    }
    return new ChunkSegmentReader(block, List.copyOf(names), segs);
  }

  private static void checkHeader(RandomAccessInput in, String name, String block) throws IOException {
    if (in.length() < HEADER_LEN) {
      throw new CorruptBlockException(block, name, 0, "truncated chunk segment",
          "file has " + in.length() + " bytes, the header needs " + HEADER_LEN);
    }
    ByteBuffer h = in.slice(0, HEADER_LEN);
    int magic = h.getInt(0);
    if (magic != MAGIC) {
      throw new CorruptBlockException(block, name, 0, "bad magic",
          "expected " + DecodeBuffer.hex32(MAGIC) + ", got " + DecodeBuffer.hex32(magic));
    }
    int version = h.get(4) & 0xFF;
    if (version != VERSION_1) {
      throw new CorruptBlockException(block, name, 4, "unsupported chunk segment version",
          "version byte is " + version + ", only version " + VERSION_1 + " is supported");
    }
  }

  private static void closeAll(List<RandomAccessInput> inputs, Throwable primary) {
    for (RandomAccessInput in : inputs) {
      try {
        in.close();
      } catch (IOException e) {
        primary.addSuppressed(e);
      }
    }
  }

  public int segmentCount() {
    return segments.size();
  }

  /** Reads and CRC-checks the chunk at {@code ref}. */
  public RawChunk chunk(long ref) throws IOException {
    int seg = (int) (ref >>> 32);
    long off = ref & 0xFFFF_FFFFL;
    if (seg >= segments.size()) {
      throw new CorruptBlockException(block, "chunks/" + String.format("%06d", seg + 1), off,
          "bad chunk reference", "reference " + ref + " names segment " + (seg + 1) + ", the block has "
              + segments.size());
    }
    RandomAccessInput in = segments.get(seg);
    String name = names.get(seg);
    if (off < HEADER_LEN || off >= in.length()) {
      throw new CorruptBlockException(block, name, off, "bad chunk reference",
          "offset " + off + " lies outside the chunk data [" + HEADER_LEN + ", " + in.length() + ")");
    }
    try {
      int headLen = (int) Math.min(5 + 1, in.length() - off);
      DecodeBuffer hb = new DecodeBuffer(in.slice(off, headLen), off);
      int len = hb.uvarintInt();
      int lenSize = hb.position();
      // encoding byte + data + crc
      ByteBuffer body = in.slice(off + lenSize, len + 1 + 4);
      int want = body.getInt(len + 1);
      int got = DecodeBuffer.crc32c(body, 0, len + 1);
      if (want != got) {
        throw CorruptBlockException.crcMismatch(block, name, off, "chunk " + ref, want, got);
      }
      byte enc = body.get(0);
      byte[] data = new byte[len];
      body.get(1, data, 0, len);
      return new RawChunk(enc, data);
    } catch (DecodeException e) {
      throw new CorruptBlockException(block, name, e.offset(), "malformed chunk " + ref, String.valueOf(e.getMessage()), e);
    } catch (EOFException e) {
      throw new CorruptBlockException(block, name, off, "truncated chunk " + ref, String.valueOf(e.getMessage()), e);
    }
  }

  @Override
  public void close() throws IOException {
    IoUtil.closeAll(segments);
  }
}
