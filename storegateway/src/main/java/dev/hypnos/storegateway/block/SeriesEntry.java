package dev.hypnos.storegateway.block;

import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.io.DecodeBuffer;
import dev.hypnos.core.io.DecodeException;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.storegateway.indexheader.IndexHeader;
import java.io.IOException;
import java.util.Arrays;

/**
 * A reusable holder for one decoded series entry of an index: labels (symbols resolved through
 * the {@link IndexHeader}) and chunk metas in primitive arrays. Entry layout: {@code uvarint
 * #labels, (uvarint32 name, uvarint32 value)*, uvarint #chunks}, then for the first chunk {@code
 * varint mint, uvarint (maxt - mint), uvarint ref} and for the next ones {@code uvarint (mint -
 * previous maxt), uvarint (maxt - mint), varint (ref - previous ref)}.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class SeriesEntry {
  private Labels labels = Labels.EMPTY;
  private int[] labelRefs = new int[16];
  private int labelRefCount;
  private long[] mint = new long[8];
  private long[] maxt = new long[8];
  private long[] refs = new long[8];
  private int chunks;

  /**
   * Decodes {@code body} (an entry without its length and CRC) of series {@code ref} into this
   * holder.
   */
  public SeriesEntry decode(byte[] body, IndexHeader header, String block, long ref) throws IOException {
    decodeRefs(body, block, ref);
    String[] kv = new String[labelRefCount];
    header.symbols(labelRefs, 0, labelRefCount, kv, 0);
    labels = Labels.fromSortedUnsafe(kv);
    return this;
  }

  /**
   * Decodes {@code body} like {@link #decode} but leaves the labels as symbol references ({@link
   * #labelRef}); {@link #labels} is not updated.
   */
  public SeriesEntry decodeRefs(byte[] body, String block, long ref) throws IOException {
    DecodeBuffer b = new DecodeBuffer(body);
    long base = ref * 16;
    try {
      int nl = b.uvarintInt();
      if (nl > b.remaining()) {
        throw new DecodeException("series claims " + nl + " labels in " + b.remaining() + " bytes", 0);
      }
      if (nl * 2 > labelRefs.length) {
        labelRefs = new int[Math.max(nl * 2, labelRefs.length * 2)];
      }
      for (int i = 0; i < nl * 2; i++) {
        labelRefs[i] = (int) b.uvarint32();
      }
      labelRefCount = nl * 2;
      int nc = b.uvarintInt();
      if (nc > b.remaining()) {
        throw new DecodeException("series claims " + nc + " chunks in " + b.remaining() + " bytes", b.offset());
      }
      chunks = 0;
      if (nc > mint.length) {
        int n = Math.max(nc, mint.length * 2);
        mint = Arrays.copyOf(mint, n);
        maxt = Arrays.copyOf(maxt, n);
        refs = Arrays.copyOf(refs, n);
      }
      if (nc > 0) {
        long lo = b.varint();
        long hi = lo + b.uvarint();
        long cref = b.uvarint();
        add(lo, hi, cref);
        for (int i = 1; i < nc; i++) {
          lo = hi + b.uvarint();
          hi = lo + b.uvarint();
          cref += b.varint();
          add(lo, hi, cref);
        }
      }
    } catch (DecodeException e) {
      throw new CorruptBlockException(block, "index", base + e.offset(), "malformed series entry " + ref,
          String.valueOf(e.getMessage()), e);
    }
    return this;
  }

  private void add(long lo, long hi, long ref) {
    mint[chunks] = lo;
    maxt[chunks] = hi;
    refs[chunks] = ref;
    chunks++;
  }

  /** The labels resolved by the last {@link #decode}. */
  public Labels labels() {
    return labels;
  }

  /** Label names and values as symbol references, alternating name and value: {@code 2 * #labels} of them. */
  public int labelRefCount() {
    return labelRefCount;
  }

  /** Symbol reference {@code i} (name at even, value at odd {@code i}), an unsigned 32-bit number. */
  public int labelRef(int i) {
    return labelRefs[i];
  }

  public int chunkCount() {
    return chunks;
  }

  public long chunkMinTime(int i) {
    return mint[i];
  }

  public long chunkMaxTime(int i) {
    return maxt[i];
  }

  public long chunkRef(int i) {
    return refs[i];
  }
}
