package dev.hypnos.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class DecodeBufferTest {
  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  @Test
  void decodesGoVarints() {
    // Go: binary.PutUvarint(300) = ac 02; PutVarint(-1) = 01; PutVarint(1) = 02; PutVarint(-64) = 7f
    DecodeBuffer b = new DecodeBuffer(bytes(0xac, 0x02, 0x01, 0x02, 0x7f, 0x80, 0x01));
    assertThat(b.uvarint()).isEqualTo(300);
    assertThat(b.varint()).isEqualTo(-1);
    assertThat(b.varint()).isEqualTo(1);
    assertThat(b.varint()).isEqualTo(-64);
    assertThat(b.varint()).isEqualTo(64);
    assertThat(b.remaining()).isZero();
  }

  @Test
  void decodesMaxUvarintAndRejectsOverflow() {
    byte[] max = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    assertThat(new DecodeBuffer(max).uvarint()).isEqualTo(-1L);
    byte[] over = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02);
    assertThatThrownBy(() -> new DecodeBuffer(over).uvarint())
        .isInstanceOf(DecodeException.class).hasMessageContaining("overflows");
    assertThatThrownBy(() -> new DecodeBuffer(bytes(0x80, 0x80, 0x80, 0x80, 0x10)).uvarint32())
        .isInstanceOf(DecodeException.class).hasMessageContaining("exceeds 32 bits");
  }

  @Test
  void truncationIsADecodeExceptionWithAbsoluteOffset() {
    DecodeBuffer b = new DecodeBuffer(ByteBuffer.wrap(bytes(0, 0, 1)), 1000);
    assertThatThrownBy(b::be32).isInstanceOf(DecodeException.class)
        .satisfies(e -> assertThat(((DecodeException) e).offset()).isEqualTo(1000));
    b.skip(2);
    assertThat(b.offset()).isEqualTo(1002);
    assertThatThrownBy(b::uvarintString).isInstanceOf(DecodeException.class)
        .hasMessageContaining("string of 1 bytes");
    assertThatThrownBy(() -> new DecodeBuffer(bytes(0x80)).uvarint())
        .isInstanceOf(DecodeException.class).hasMessageContaining("ends inside a uvarint");
    assertThatThrownBy(() -> new DecodeBuffer(bytes(1, 2)).limit(3)).isInstanceOf(DecodeException.class);
  }

  @Test
  void readsBigEndianStringsAndCrc() {
    byte[] s = "h\u00e9".getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(4 + 8 + 1 + s.length);
    buf.putInt(0xBAAAD700).putLong(-2).put((byte) s.length).put(s);
    DecodeBuffer b = new DecodeBuffer(buf.array());
    assertThat(b.be32()).isEqualTo(0xBAAAD700);
    assertThat(b.be64()).isEqualTo(-2);
    assertThat(b.uvarintString()).isEqualTo("h\u00e9");
    CRC32C c = new CRC32C();
    c.update(buf.array(), 4, 8);
    assertThat(b.crc32c(4, 8)).isEqualTo((int) c.getValue());
  }

  @Test
  void byteArrayInputChecksRanges() throws Exception {
    try (ByteArrayInput in = new ByteArrayInput("mem", bytes(1, 2, 3, 4))) {
      assertThat(in.slice(1, 2).get(1)).isEqualTo((byte) 3);
      assertThatThrownBy(() -> in.slice(3, 2)).isInstanceOf(EOFException.class)
          .hasMessageContaining("mem").hasMessageContaining("offset 3");
    }
  }

  @Test
  void fileInputReadsAndChecksRanges(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path f = dir.resolve("f");
    java.nio.file.Files.write(f, bytes(9, 8, 7));
    for (boolean mmap : new boolean[] {true, false}) {
      try (FileInput in = FileInput.open(f, mmap)) {
        assertThat(in.length()).isEqualTo(3);
        assertThat(in.slice(2, 1).get(0)).isEqualTo((byte) 7);
        assertThat(in.slice(0, 2).getShort(0)).isEqualTo((short) 0x0908);
        assertThatThrownBy(() -> in.slice(2, 2)).isInstanceOf(EOFException.class).hasMessageContaining(f.toString());
      }
    }
  }
}
