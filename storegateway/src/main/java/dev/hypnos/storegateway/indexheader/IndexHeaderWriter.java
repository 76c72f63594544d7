package dev.hypnos.storegateway.indexheader;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.io.DecodeBuffer;
import dev.hypnos.core.objstore.Bucket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32C;

/**
 * Builds a block's index-header file from byte ranges of its {@code index} in a bucket, in Thanos's
 * BinaryFormatV1 layout (FORMATS.md §6):
 *
 * <pre>
 * magic 0xBAAAD792 &lt;4B&gt; | version 1 &lt;1B&gt; | index version &lt;1B&gt; | index TOC.postingsTable &lt;8B&gt;
 * index bytes [TOC.symbols, TOC.series)            (symbol table and padding, verbatim)
 * index bytes [TOC.postingsTable, end of file)     (postings offset table and the index TOC, verbatim)
 * symbols offset &lt;8B&gt; | postings offset table offset &lt;8B&gt; | CRC32C of those 16 bytes &lt;4B&gt;
 * </pre>
 *
 * <p>The writer reads the index header (5 bytes) and TOC (last 52 bytes), then streams the two
 * copied ranges to disk in small buffers: memory does not grow with the index. The file is written
 * to {@code out + ".tmp"} and renamed, so readers never see a partial file.
 */
public final class IndexHeaderWriter {
  public static final int MAGIC = 0xBAAAD792;
  public static final int FORMAT_V1 = 1;
  /** magic, version, index version, postings-table offset. */
  public static final int HEADER_LEN = 4 + 1 + 1 + 8;
  /** Two offsets and a CRC. */
  public static final int TOC_LEN = 8 + 8 + 4;
  static final int INDEX_MAGIC = 0xBAAAD700;
  static final int INDEX_TOC_LEN = 6 * 8 + 4;
  private static final int COPY_BUFFER = 64 * 1024;

  private IndexHeaderWriter() {}

  /** Builds the index-header of block {@code id} at {@code out}, replacing any file there. */
  public static void write(Bucket bucket, BlockId id, Path out) throws IOException {
    String key = id + "/" + BucketBlocks.INDEX;
    String block = id.toString();
    long size = bucket.attributes(key).size();
    if (size < 5 + INDEX_TOC_LEN) {
      throw new CorruptBlockException(block, BucketBlocks.INDEX, 0, "truncated index",
          "object " + bucket.name() + ":" + key + " has " + size + " bytes, fewer than header and TOC");
    }
    ByteBuffer head = ByteBuffer.wrap(readRange(bucket, key, 0, 5, block));
    int magic = head.getInt(0);
    if (magic != INDEX_MAGIC) {
      throw new CorruptBlockException(block, BucketBlocks.INDEX, 0, "bad magic",
          "expected " + DecodeBuffer.hex32(INDEX_MAGIC) + ", got " + DecodeBuffer.hex32(magic));
    }
    int indexVersion = head.get(4) & 0xFF;
    if (indexVersion != 2) {
      throw new CorruptBlockException(block, BucketBlocks.INDEX, 4, "unsupported index version",
          indexVersion == 1
              ? "version byte is 1: index format v1 (written by early Prometheus 2.x releases); the store gateway "
                  + "reads index format version 2, so the block is skipped (rewrite it with a current compactor)"
              : "version byte is " + indexVersion + ", the store gateway reads index format version 2");
    }
    long tocAt = size - INDEX_TOC_LEN;
    ByteBuffer toc = ByteBuffer.wrap(readRange(bucket, key, tocAt, INDEX_TOC_LEN, block));
    int want = toc.getInt(48);
    int got = DecodeBuffer.crc32c(toc, 0, 48);
    if (want != got) {
      throw CorruptBlockException.crcMismatch(block, BucketBlocks.INDEX, tocAt, "table of contents", want, got);
    }
    long symbols = toc.getLong(0);
    long series = toc.getLong(8);
    long postingsTable = toc.getLong(40);
    if (symbols < 5 || series < symbols || postingsTable < series || postingsTable > tocAt) {
      throw new CorruptBlockException(block, BucketBlocks.INDEX, tocAt, "malformed table of contents",
          "symbols at " + symbols + ", series at " + series + ", postings offset table at " + postingsTable
              + " in a file of " + size + " bytes");
    }

    Files.createDirectories(out.toAbsolutePath().getParent());
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp)) {
      ByteBuffer h = ByteBuffer.allocate(HEADER_LEN);
      h.putInt(MAGIC).put((byte) FORMAT_V1).put((byte) indexVersion).putLong(postingsTable);
      os.write(h.array());
      long symbolsOffset = HEADER_LEN;
      copy(bucket, key, symbols, series - symbols, os, block);
      long postingsTableOffset = symbolsOffset + (series - symbols);
      copy(bucket, key, postingsTable, size - postingsTable, os, block);
      ByteBuffer t = ByteBuffer.allocate(TOC_LEN);
      t.putLong(symbolsOffset).putLong(postingsTableOffset);
      CRC32C crc = new CRC32C();
      crc.update(t.array(), 0, 16);
      t.putInt((int) crc.getValue());
      os.write(t.array());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static byte[] readRange(Bucket bucket, String key, long offset, int len, String block) throws IOException {
    try (InputStream in = bucket.getRange(key, offset, len)) {
      byte[] b = in.readNBytes(len);
      if (b.length != len) {
        throw new CorruptBlockException(block, BucketBlocks.INDEX, offset, "truncated index",
            "read " + b.length + " of " + len + " bytes at offset " + offset + " of " + bucket.name() + ":" + key);
      }
      return b;
    }
  }

  private static void copy(Bucket bucket, String key, long offset, long len, OutputStream os, String block)
      throws IOException {
    byte[] buf = new byte[COPY_BUFFER];
    long copied = 0;
    try (InputStream in = bucket.getRange(key, offset, len)) {
      while (copied < len) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, len - copied));
        if (n < 0) {
          break;
        }
        os.write(buf, 0, n);
        copied += n;
      }
    }
    if (copied != len) {
      throw new CorruptBlockException(block, BucketBlocks.INDEX, offset + copied, "truncated index",
          "copying [" + offset + ", " + (offset + len) + ") of " + bucket.name() + ":" + key + " ended after "
              + copied + " bytes");
    }
  }
}
