package dev.hypnos.core.chunk;

/**
 * Chunk encoding numbers as written in Prometheus chunk segment files ({@code chunkenc.Encoding}),
 * plus Thanos's downsampled aggregate chunk ({@code 0xFF}).
 *
 * <p>Note: Thanos's {@code storepb.Chunk.Encoding} is this number minus one (XOR = 0).
 */
public enum ChunkEncoding {
  NONE(0),
  XOR(1),
  HISTOGRAM(2),
  FLOAT_HISTOGRAM(3),
  XOR2(4),
  HISTOGRAM_ST(5),
  FLOAT_HISTOGRAM_ST(6),
  /** Thanos {@code downsample.ChunkEncAggr}: an {@link AggrChunk}. */
  AGGR(0xFF);

  private static final ChunkEncoding[] BY_CODE = new ChunkEncoding[256];

  static {
    for (ChunkEncoding e : values()) {
      BY_CODE[e.code] = e;
    }
  }

  private final int code;

  ChunkEncoding(int code) {
    this.code = code;
  }

  /** The encoding byte, 0..255. */
  public int code() {
    return code;
  }

  /**
   * The encoding for an encoding byte as read from a segment file (the byte is taken unsigned).
   *
   * @throws IllegalArgumentException for a value that is no known encoding
   */
  public static ChunkEncoding fromByte(int b) {
    ChunkEncoding e = BY_CODE[b & 0xFF];
    if (e == null) {
      throw new IllegalArgumentException(
          "decode chunk encoding byte " + (b & 0xFF) + ": not a known encoding (0-6 or 255)");
    }
    return e;
  }
}
