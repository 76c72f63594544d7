package dev.hypnos.core.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AggrChunkTest {

  private static XorChunk xor(double... values) {
    XorEncoder e = new XorEncoder();
    for (int i = 0; i < values.length; i++) {
      e.append(299_999L + 300_000L * i, values[i]);
    }
    return e.toChunk();
  }

  @Test
  void floatSeriesRoundTrip() {
    XorChunk count = xor(20, 20, 19);
    XorChunk sum = xor(100.5, 99, 87.25);
    XorChunk min = xor(1, 2, 3);
    XorChunk max = xor(9, 8, 7);
    XorChunk counter = xor(5, 10, 20, 25);
    byte[] data = AggrChunk.encodeXor(count, sum, min, max, counter);

    // Layout: uvarint length, encoding byte 0x01, data; five times, in count..counter order.
    int p = 0;
    for (XorChunk c : new XorChunk[] {count, sum, min, max, counter}) {
      assertThat(data[p] & 0xFF).isEqualTo(c.length()); // all shorter than 128
      assertThat(data[p + 1]).isEqualTo((byte) 1);
      assertThat(Arrays.copyOfRange(data, p + 2, p + 2 + c.length())).isEqualTo(c.bytes());
      p += 2 + c.length();
    }
    assertThat(p).isEqualTo(data.length);

    AggrChunk parsed = AggrChunk.parse(data);
    assertThat(parsed.xor(AggrType.COUNT)).isEqualTo(count);
    assertThat(parsed.xor(AggrType.SUM)).isEqualTo(sum);
    assertThat(parsed.xor(AggrType.MIN)).isEqualTo(min);
    assertThat(parsed.xor(AggrType.MAX)).isEqualTo(max);
    assertThat(parsed.xor(AggrType.COUNTER)).isEqualTo(counter);
    XorIterator it = parsed.xor(AggrType.COUNTER).iterator(null);
    assertThat(it.next()).isTrue();
    assertThat(it.timestamp()).isEqualTo(299_999L);
    assertThat(it.value()).isEqualTo(5.0);
  }

  @Test
  void absentEntriesAreZeroLengths() {
    XorChunk count = xor(3);
    byte[] data = AggrChunk.encodeXor(count, null, null, null, null);
    assertThat(HexFormat.of().formatHex(data))
        .isEqualTo(String.format("%02x01", count.length()) + HexFormat.of().formatHex(count.bytes())
            + "00000000");
    AggrChunk parsed = AggrChunk.parse(data);
    assertThat(parsed.xor(AggrType.COUNT)).isEqualTo(count);
    assertThat(parsed.entry(AggrType.SUM)).isNull();
    assertThat(parsed.xor(AggrType.COUNTER)).isNull();
  }

  @Test
  void histogramSeriesEntriesKeepTheirEncoding() {
    XorChunk count = xor(1, 2);
    byte[] fh = {0, 2, 0x40, 1, 2, 3};
    AggrChunk.Entry sum = new AggrChunk.Entry(ChunkEncoding.FLOAT_HISTOGRAM, fh, 0, fh.length);
    byte[] data = AggrChunk.encode(
        new AggrChunk.Entry(ChunkEncoding.XOR, count.bytes(), 0, count.length()),
        sum, null, null, sum);
    AggrChunk parsed = AggrChunk.parse(data);
    assertThat(parsed.entry(AggrType.SUM)).isEqualTo(sum);
    assertThat(parsed.entry(AggrType.COUNTER).encoding()).isEqualTo(ChunkEncoding.FLOAT_HISTOGRAM);
    assertThat(parsed.entry(AggrType.COUNTER).bytes()).isEqualTo(fh);
    assertThat(parsed.entry(AggrType.MIN)).isNull();
    assertThatThrownBy(() -> parsed.xor(AggrType.SUM))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("FLOAT_HISTOGRAM");
  }

  @Test
  void longEntriesUseMultiByteLengths() {
    double[] vs = new double[100];
    for (int i = 0; i < vs.length; i++) {
      vs[i] = Math.sqrt(i) * 1000.123;
    }
    XorChunk big = xor(vs);
    assertThat(big.length()).isGreaterThan(127);
    byte[] data = AggrChunk.encodeXor(big, big, null, big, null);
    assertThat(data[0] & 0x80).isNotZero();
    AggrChunk parsed = AggrChunk.parse(data);
    assertThat(parsed.xor(AggrType.MAX)).isEqualTo(big);
  }

  @Test
  void malformedDataIsRejectedWithContext() {
    byte[] good = AggrChunk.encodeXor(xor(1, 2), xor(3), null, null, null);
    for (int cut = 0; cut < good.length; cut++) {
      byte[] part = Arrays.copyOf(good, cut);
      assertThatThrownBy(() -> AggrChunk.parse(part))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("parse aggregate chunk");
    }
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> AggrChunk.parse(trailing))
        .hasMessageContaining("1 bytes left after the five entries");
    byte[] badEnc = good.clone();
    badEnc[1] = 9;
    assertThatThrownBy(() -> AggrChunk.parse(badEnc))
        .hasMessageContaining("entry count")
        .hasMessageContaining("byte 9");
  }

  @Test
  void emptyPresentEntryCannotBeEncoded() {
    AggrChunk.Entry empty = new AggrChunk.Entry(ChunkEncoding.XOR, new byte[0], 0, 0);
    assertThatThrownBy(() -> AggrChunk.encode(empty, null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aggrTypeOrder() {
    assertThat(AggrType.values())
        .containsExactly(AggrType.COUNT, AggrType.SUM, AggrType.MIN, AggrType.MAX, AggrType.COUNTER);
    assertThat(AggrType.ofIndex(4)).isEqualTo(AggrType.COUNTER);
    assertThatThrownBy(() -> AggrType.ofIndex(5)).isInstanceOf(IllegalArgumentException.class);
  }
}
