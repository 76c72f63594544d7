package dev.hypnos.core.block;

import java.util.Objects;

/**
 * A chunk as stored in a segment file: its encoding byte ({@code chunkenc.Encoding}: 1 XOR, 2
 * histogram, 3 float histogram, ...) and its data bytes, not decoded.
 */
public record RawChunk(byte encoding, byte[] data) {
  public static final byte ENC_NONE = 0;
  public static final byte ENC_XOR = 1;
  public static final byte ENC_HISTOGRAM = 2;
  public static final byte ENC_FLOAT_HISTOGRAM = 3;

  public RawChunk {
    Objects.requireNonNull(data, "data");
  }

  /**
   * The sample count from the 2-byte big-endian header that XOR and histogram chunks start with.
   *
   * @throws IllegalStateException when the data is shorter than 2 bytes
   */
  public int headerSampleCount() {
    if (data.length < 2) {
      throw new IllegalStateException("chunk of " + data.length + " bytes has no sample count header");
    }
    return ((data[0] & 0xFF) << 8) | (data[1] & 0xFF);
  }
}
