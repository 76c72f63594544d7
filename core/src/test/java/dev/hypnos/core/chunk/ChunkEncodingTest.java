package dev.hypnos.core.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkEncodingTest {
  @Test
  void numbersMatchChunkenc() {
    assertThat(ChunkEncoding.NONE.code()).isZero();
    assertThat(ChunkEncoding.XOR.code()).isEqualTo(1);
    assertThat(ChunkEncoding.HISTOGRAM.code()).isEqualTo(2);
    assertThat(ChunkEncoding.FLOAT_HISTOGRAM.code()).isEqualTo(3);
    assertThat(ChunkEncoding.XOR2.code()).isEqualTo(4);
    assertThat(ChunkEncoding.HISTOGRAM_ST.code()).isEqualTo(5);
    assertThat(ChunkEncoding.FLOAT_HISTOGRAM_ST.code()).isEqualTo(6);
    assertThat(ChunkEncoding.AGGR.code()).isEqualTo(0xFF);
    for (ChunkEncoding e : ChunkEncoding.values()) {
      assertThat(ChunkEncoding.fromByte(e.code())).isEqualTo(e);
      assertThat(ChunkEncoding.fromByte((byte) e.code())).isEqualTo(e);
    }
  }

  @Test
  void unknownByteIsAClearError() {
    assertThatThrownBy(() -> ChunkEncoding.fromByte(7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decode chunk encoding byte 7: not a known encoding (0-6 or 255)");
    assertThatThrownBy(() -> ChunkEncoding.fromByte((byte) 0xFE))
        .hasMessageContaining("byte 254");
  }
}
