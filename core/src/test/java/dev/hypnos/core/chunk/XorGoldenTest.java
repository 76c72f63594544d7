package dev.hypnos.core.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Exact bytes of small chunks, worked out by hand from the bit layout (FORMATS.md §3.5), plus
 * chunks written by promtool 2.42 ({@code tsdb create-blocks-from openmetrics}).
 */
class XorGoldenTest {
  private static final HexFormat HEX = HexFormat.of();

  record S(long t, long bits) {
    static S of(long t, double v) {
      return new S(t, Double.doubleToRawLongBits(v));
    }
  }

  private static byte[] encode(S... samples) {
    XorEncoder e = new XorEncoder();
    for (S s : samples) {
      e.append(s.t, Double.longBitsToDouble(s.bits));
    }
    assertThat(e.numSamples()).isEqualTo(samples.length);
    assertThat(e.byteLength()).isEqualTo(e.bytes().length);
    return e.bytes();
  }

  private static List<S> decode(byte[] data) {
    XorIterator it = new XorIterator().reset(data, 0, data.length);
    List<S> out = new ArrayList<>();
    while (it.next()) {
      assertThat(it.hasCurrent()).isTrue();
      out.add(new S(it.timestamp(), it.valueBits()));
    }
    assertThat(it.error()).isNull();
    assertThat(it.hasCurrent()).isFalse();
    return out;
  }

  /** Encodes, compares with the expected hex, and decodes back to the same samples. */
  private static void check(String expectedHex, S... samples) {
    byte[] b = encode(samples);
    assertThat(HEX.formatHex(b)).isEqualTo(expectedHex.replace(" ", ""));
    assertThat(decode(b)).containsExactly(samples);
  }

  @Test
  void emptyChunkIsJustTheCount() {
    check("0000");
  }

  @Test
  void oneSampleCarriesTrailingZeroByte() {
    // zigzag(1000) = 2000 = uvarint d0 0f; 1.0 raw; then the zero byte Go's bstream leaves after a
    // byte-aligned 64-bit write.
    check("0001 d00f 3ff0000000000000 00", S.of(1000, 1.0));
  }

  @Test
  void twoSamplesNewWindow() {
    // delta 15000 = uvarint 98 75; xor 0x7ff0.. : '1' '1' leading=1 '00001' sig=11 '001011'
    // then 11 ones -> 11000010 01011111 11111111.
    check("0002 d00f 3ff0000000000000 9875 c25fff", S.of(1000, 1.0), S.of(16000, 2.0));
  }

  @Test
  void threeSamplesZeroDodEqualValue() {
    // sample 1: value bit '0'; sample 2: dod bit '0', value bit '0' -> 000 padded.
    check("0003 d00f 4008000000000000 9875 00", S.of(1000, 3.0), S.of(16000, 3.0), S.of(31000, 3.0));
  }

  @Test
  void reusedWindowThenNewWindow() {
    // s1: new window lead 1 trail 52 (24 bits); s2 (1.0 again): dod '0', '10' + 11 bits reused;
    // s3 (3.0): xor 0x7ff8.. trail 51 < 52 -> dod '0', '11' 00001 001100 + 12 ones. 64 bits total.
    check(
        "0004 00 3ff0000000000000 9875 c25fff 5ffd84cfff",
        S.of(0, 1.0), S.of(15000, 2.0), S.of(30000, 1.0), S.of(45000, 3.0));
  }

  @Test
  void negativeDodInFourteenBitBucket() {
    // dod -1000: '10' + 14 bits of 16384-1000 = 11110000011000, then value '0'.
    check(
        "0003 00 0000000000000000 9875 5e0c00",
        S.of(0, 0.0), S.of(15000, 0.0), S.of(29000, 0.0));
  }

  @Test
  void largeDodUsesSixtyFourBitBucket() {
    // delta 1000 = e8 07; dod 10_000_000: '1111' + 64 bits 0x989680, value '0'.
    check(
        "0003 00 0000000000000000 e807 78 00000000 04c4b400",
        S.of(0, 0.0), S.of(1000, 0.0), S.of(2000 + 10_000_000, 0.0));
  }

  @Test
  void dodBucketBoundaries() {
    // bitRange(x, n): -(2^(n-1) - 1) <= x <= 2^(n-1); the edges pick the buckets below.
    long[] dods = {8192, -8191, 8193, -8192, 65536, -65535, 65537, -65536, 524288, -524287,
        524289, -524288, Long.MAX_VALUE / 4, Long.MIN_VALUE / 4};
    int[] bits = {16, 16, 20, 20, 20, 20, 24, 24, 24, 24, 68, 68, 68, 68};
    for (int i = 0; i < dods.length; i++) {
      XorEncoder e = new XorEncoder();
      e.append(0, 0);
      e.append(100_000_000, 0);
      int before = e.byteLength();
      e.append(200_000_000 + dods[i], 0);
      // Samples 0 and 1 end byte-aligned after the first value bit; the third adds dod + 1 bit.
      int expectedBits = 1 + bits[i] + 1;
      assertThat(e.byteLength()).as("dod %d", dods[i]).isEqualTo(before - 1 + (expectedBits + 7) / 8);
      List<S> got = decode(e.bytes());
      assertThat(got.get(2).t).as("dod %d", dods[i]).isEqualTo(200_000_000 + dods[i]);
    }
  }

  @Test
  void negativeTimestamps() {
    // zigzag(-1000) = 1999 = cf 0f.
    check("0001 cf0f 3ff0000000000000 00", S.of(-1000, 1.0));
    // delta 500 = f4 03, value '0'.
    check("0002 cf0f 3ff0000000000000 f403 00", S.of(-1000, 1.0), S.of(-500, 1.0));
  }

  @Test
  void staleNaNKeepsItsBits() {
    // xor 0x4000000000000002: lead 1, trail 1, sig 62: '11' 00001 111110, then 1, 60 zeros, 1.
    S stale = new S(15000, Values.STALE_NAN_BITS);
    check("0002 00 3ff0000000000000 9875 c3f4 00000000000000 20", S.of(0, 1.0), stale);
    assertThat(Values.isStaleNaN(Values.STALE_NAN)).isTrue();
    assertThat(Values.isStaleNaN(Double.NaN)).isFalse();
  }

  @Test
  void sixtyFourSignificantBitsAreWrittenAsZero() {
    // xor 0x8000000000000001: lead 0, trail 0, sig 64 written as 000000.
    S s1 = new S(15000, 0xBFF0000000000001L);
    check("0002 00 3ff0000000000000 9875 c004 00000000000000 08", S.of(0, 1.0), s1);
  }

  @Test
  void leadingZerosAreClampedTo31() {
    // xor 1: 63 leading zeros clamped to 31, so sig = 33: '11' 11111 100001, 32 zeros, 1.
    S s1 = new S(15000, 0x3FF0000000000001L);
    check("0002 00 3ff0000000000000 9875 ff08000000 04", S.of(0, 1.0), s1);
  }

  @Test
  void promtoolChunks() {
    // Written by promtool 2.42 from OpenMetrics input; re-encoding must give the same bytes.
    checkPromtool(
        "0001c0f5d0fdf9623ff000000000000000", S.of(1699999260000L, 1.0));
    checkPromtool(
        "0002c0f5d0fdf9623ff00000000000009875c26fff40",
        S.of(1699999260000L, 1.0), S.of(1699999275000L, 2.5));
    checkPromtool(
        "000c90c58681fa62405ec000000000009875da26b68b3466dcef147ae147ae1b669e851eb851eb86b18000"
            + "000000014b68ca600b02929ad194c01605243000000000000d43f56a2ba9",
        S.of(1700002845000L, 123.0), S.of(1700002860000L, 97.0), S.of(1700002875000L, 114.0),
        S.of(1700002890000L, 116.0), S.of(1700002905000L, 99.54), S.of(1700002920000L, 94.5),
        S.of(1700002935000L, 111.0), S.of(1700002950000L, 74.704669),
        S.of(1700002965000L, 108.0), S.of(1700002980000L, 106.0), S.of(1700002995000L, 128.0),
        S.of(1700003010000L, 106.25));
    checkPromtool(
        "000dc087c5fff96280000000000000009775c1f7f1bf21e44003acfb8ad4c752f9f8df90f22001d67f0000"
            + "00000008b290c5f7fda42ea22910e5ffffffffffffee9ae17fda42ea22910e5fb15a3801f800000000"
            + "00493dfdffffffffffff712d7b8753377159d00037c00000000007927a3019ffe0",
        S.of(1700001260000L, -0.0), S.of(1700001274999L, 1e300), S.of(1700001275000L, 1e300),
        S.of(1700001305000L, 0.0), S.of(1700001905000L, 0.9103341424526884),
        S.of(1700001935000L, 0.0), S.of(1700001935001L, -0.0), S.of(1700002535001L, 0.0),
        S.of(1700002550000L, -0.0), S.of(1700002580000L, 0.0), S.of(1700002594999L, 0.0),
        S.of(1700002609999L, -0.0), S.of(1700004609999L, Double.POSITIVE_INFINITY));
  }

  private static void checkPromtool(String hex, S... samples) {
    byte[] written = HEX.parseHex(hex);
    assertThat(decode(written)).containsExactly(samples);
    assertThat(HEX.formatHex(encode(samples))).isEqualTo(hex);
  }
}
