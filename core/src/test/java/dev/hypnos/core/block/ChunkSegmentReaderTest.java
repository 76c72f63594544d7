package dev.hypnos.core.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.io.ByteArrayInput;
import dev.hypnos.core.io.RandomAccessInput;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class ChunkSegmentReaderTest {
  /** Appends one chunk as Prometheus writes it; returns its offset. */
  private static int append(ByteArrayOutputStream out, int enc, byte[] data) {
    int off = out.size();
    int len = data.length;
    while (len >= 0x80) {
      out.write((len & 0x7F) | 0x80);
      len >>>= 7;
    }
    out.write(len);
    out.write(enc);
    out.writeBytes(data);
    CRC32C crc = new CRC32C();
    crc.update(enc);
    crc.update(data);
    int c = (int) crc.getValue();
    out.write(c >>> 24);
    out.write(c >>> 16);
    out.write(c >>> 8);
    out.write(c);
    return off;
  }

  private static ByteArrayOutputStream segment() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x85, (byte) 0xBD, 0x40, (byte) 0xDD, 1, 0, 0, 0});
    return out;
  }

  @Test
  void readsChunksAcrossSegmentsByReference() throws Exception {
    ByteArrayOutputStream s1 = segment();
    int a = append(s1, 1, new byte[] {0, 3, 42});
    ByteArrayOutputStream s2 = segment();
    append(s2, 1, new byte[200]);
    byte[] big = new byte[300];
    big[0] = 0x01;
    big[1] = 0x2C;
    int b = append(s2, 2, big);
    List<RandomAccessInput> ins = List.of(new ByteArrayInput("s1", s1.toByteArray()), new ByteArrayInput("s2", s2.toByteArray()));
    try (ChunkSegmentReader r = ChunkSegmentReader.open(ins, List.of("chunks/000001", "chunks/000002"), "01B")) {
      RawChunk c1 = r.chunk(a);
      assertThat(c1.encoding()).isEqualTo(RawChunk.ENC_XOR);
      assertThat(c1.data()).containsExactly(0, 3, 42);
      assertThat(c1.headerSampleCount()).isEqualTo(3);
      RawChunk c2 = r.chunk((1L << 32) | b);
      assertThat(c2.encoding()).isEqualTo(RawChunk.ENC_HISTOGRAM);
      assertThat(c2.data()).hasSize(300);
      assertThat(c2.headerSampleCount()).isEqualTo(300);
      assertThatThrownBy(() -> r.chunk(2L << 32 | 8))
          .isInstanceOf(CorruptBlockException.class).hasMessageContaining("01B/chunks/000003");
      assertThatThrownBy(() -> r.chunk(3))
          .isInstanceOf(CorruptBlockException.class).hasMessageContaining("bad chunk reference in block 01B/chunks/000001 at offset 3");
    }
  }

  @Test
  void rejectsBadHeader() {
    byte[] s = segment().toByteArray();
    s[0] = 0;
    assertThatThrownBy(() -> ChunkSegmentReader.open(List.of(new ByteArrayInput("s", s)), List.of("chunks/000001"), "01B"))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessage("bad magic in block 01B/chunks/000001 at offset 0: expected 0x85bd40dd, got 0x00bd40dd");
  }
}
