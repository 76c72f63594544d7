package dev.hypnos.core.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.index.CorruptBlockException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TombstonesTest {
  private static void uvarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    uvarint(out, (v << 1) ^ (v >> 63));
  }

  /** A tombstones file as Prometheus's writer lays it out. */
  static byte[] file(long[][] entries) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (long[] e : entries) {
      uvarint(body, e[0]);
      varint(body, e[1]);
      varint(body, e[2]);
    }
    byte[] b = body.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(b);
    return ByteBuffer.allocate(5 + b.length + 4).putInt(0x0130BA30).put((byte) 1).put(b).putInt((int) crc.getValue())
        .array();
  }

  @Test
  void readsAndMergesIntervals() throws Exception {
    Tombstones t = Tombstones.parse(file(new long[][] {{5, 10, 20}, {5, 15, 30}, {5, 31, 40}, {5, 50, 60}, {9, -100, -50}}), "b");
    assertThat(t.get(5)).containsExactly(new Tombstones.Interval(10, 40), new Tombstones.Interval(50, 60));
    assertThat(t.get(9)).containsExactly(new Tombstones.Interval(-100, -50));
    assertThat(t.get(7)).isEmpty();
    assertThat(t.isDeleted(5, 45)).isFalse();
    assertThat(t.isDeleted(5, 40)).isTrue();
    assertThat(t.entryCount()).isEqualTo(5);
    assertThat(Tombstones.parse(file(new long[0][]), "b").isEmpty()).isTrue();
  }

  @Test
  void missingFileMeansNone(@TempDir Path dir) throws Exception {
    assertThat(Tombstones.read(dir, "b")).isSameAs(Tombstones.EMPTY);
  }

  @Test
  void corruptFilesNameBlockFileAndOffset(@TempDir Path dir) throws Exception {
    byte[] f = file(new long[][] {{1, 2, 3}});
    f[6] ^= 0x40;
    Files.write(dir.resolve("tombstones"), f);
    assertThatThrownBy(() -> Tombstones.read(dir, "01B"))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageContaining("CRC mismatch in block 01B/tombstones at offset " + (f.length - 4));
    byte[] v2 = file(new long[0][]);
    v2[4] = 2;
    assertThatThrownBy(() -> Tombstones.parse(v2, "01B")).hasMessageContaining("version byte is 2");
    assertThatThrownBy(() -> Tombstones.parse(new byte[3], "01B")).hasMessageContaining("truncated");
  }
}
