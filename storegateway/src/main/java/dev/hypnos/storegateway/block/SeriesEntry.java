package dev.hypnos.storegateway.block;

import dev.hypnos.core.index.CorruptBlockException;
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
    // Varints decoded straight from the array (no buffer object per entry); pos is the offset of
    // the next byte, and a malformed entry is reported at the offset where decoding stopped.
    pos = 0;
    try {
      int nl = uvarintInt(body);
      if (nl > body.length - pos) {
        throw new DecodeException("series claims " + nl + " labels in " + (body.length - pos) + " bytes", 0);
      }
      if (nl * 2 > labelRefs.length) {
        labelRefs = new int[Math.max(nl * 2, labelRefs.length * 2)];
      }
      int[] lr = labelRefs;
      for (int i = 0; i < nl * 2; i++) {
        int at = pos;
        long v = uvarint(body);
        if ((v >>> 32) != 0) {
          throw new DecodeException("uvarint " + Long.toUnsignedString(v) + " exceeds 32 bits", at);
        }
        lr[i] = (int) v;
      }
      labelRefCount = nl * 2;
      int nc = uvarintInt(body);
      if (nc > body.length - pos) {
        throw new DecodeException("series claims " + nc + " chunks in " + (body.length - pos) + " bytes", pos);
      }
      chunks = nc;
      if (nc > mint.length) {
        int n = Math.max(nc, mint.length * 2);
        mint = Arrays.copyOf(mint, n);
        maxt = Arrays.copyOf(maxt, n);
        refs = Arrays.copyOf(refs, n);
      }
      if (nc > 0) {
        long[] mi = mint;
        long[] ma = maxt;
        long[] rf = refs;
        long lo = varint(body);
        long hi = lo + uvarint(body);
        long cref = uvarint(body);
        mi[0] = lo;
        ma[0] = hi;
        rf[0] = cref;
        for (int i = 1; i < nc; i++) {
          lo = hi + uvarint(body);
          hi = lo + uvarint(body);
          cref += varint(body);
          mi[i] = lo;
          ma[i] = hi;
          rf[i] = cref;
        }
      }
    } catch (DecodeException e) {
      chunks = 0;
      labelRefCount = 0;
      throw new CorruptBlockException(block, "index", ref * 16 + e.offset(), "malformed series entry " + ref,
          String.valueOf(e.getMessage()), e);
    }
    return this;
  }

  private int pos;

  /** Go uvarint at {@link #pos}, advancing it. */
  private long uvarint(byte[] b) {
    int p = pos;
    int n = b.length;
    if (p < n) {
      int x = b[p];
      if (x >= 0) {
        pos = p + 1;
        return x;
      }
    }
    long v = 0;
    int shift = 0;
    for (int i = 0; i < 10; i++) {
      if (p >= n) {
        throw new DecodeException("uvarint runs past the end of the entry", p);
      }
      int x = b[p++] & 0xFF;
      if (x < 0x80) {
        if (i == 9 && x > 1) {
          throw new DecodeException("uvarint overflows 64 bits", p - 1);
        }
        pos = p;
        return v | ((long) x << shift);
      }
      v |= (long) (x & 0x7F) << shift;
      shift += 7;
    }
    throw new DecodeException("uvarint overflows 64 bits", p - 1);
  }

  private long varint(byte[] b) {
    long ux = uvarint(b);
    return (ux >>> 1) ^ -(ux & 1);
  }

  private int uvarintInt(byte[] b) {
    int at = pos;
    long v = uvarint(b);
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new DecodeException("length " + Long.toUnsignedString(v) + " is too large", at);
    }
    return (int) v;
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
