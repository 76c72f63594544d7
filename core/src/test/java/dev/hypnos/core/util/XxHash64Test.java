package dev.hypnos.core.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class XxHash64Test {

  /** Published XXH64 values for seed 0 (the xxHash reference and Go cespare/xxhash tests). */
  @Test
  void publishedVectors() {
    assertThat(XxHash64.hash(new byte[0])).isEqualTo(0xEF46DB3751D8E999L);
    assertThat(XxHash64.hash(ascii("a"))).isEqualTo(0xD24EC4F1A98C6E5BL);
    assertThat(XxHash64.hash(ascii("abc"))).isEqualTo(0x44BC2CF5AD770999L);
  }

  /**
   * Values computed with python3-xxhash 3.2.0 (the reference C library) over the pattern
   * {@code (i * 31 + 7) & 0xFF}; the lengths cover every tail path (1, 4 and 8 byte steps) below
   * and above the 32-byte stripe size.
   */
  @Test
  void lengthsCoveringEveryTailPath() {
    long[][] vectors = {
      {1, 0xA96C7F0CE858BBB7L},
      {3, 0x56E6957632A487F9L},
      {4, 0xC60D15B1E3FF8F04L},
      {5, 0x808815858624DD4EL},
      {7, 0xAFBEFC3D6C6F9A8EL},
      {8, 0x3DA5C7AA269683E0L},
      {9, 0x4B17A9BA9E215C09L},
      {15, 0xAE2A37EB9357CAA7L},
      {16, 0xA19AD429B02BC413L},
      {17, 0xFE9F0FEB7EEEDC09L},
      {31, 0x4A74F3A1A39AD4A1L},
      {32, 0x8D57D6A4671CC43DL},
      {33, 0x62C9FD21ED857664L},
      {63, 0x5C320A0D2707057FL},
      {64, 0x7BBABBC45729D17EL},
      {65, 0xF3980C34BAE65DC1L},
      {100, 0xEFA0AD2D3E70C151L},
      {128, 0x725A5B9B3BEDFE94L},
      {200, 0x95D9A0C977B4B6FBL},
    };
    byte[] pattern = pattern(200);
    for (long[] v : vectors) {
      int n = (int) v[0];
      assertThat(XxHash64.hash(Arrays.copyOf(pattern, n)))
          .as("length %d", n)
          .isEqualTo(v[1]);
    }
    byte[] as = new byte[1000];
    Arrays.fill(as, (byte) 'a');
    assertThat(XxHash64.hash(as)).isEqualTo(0x56E43B712EDA4223L);
  }

  @Test
  void hashesOnlyTheGivenRange() {
    byte[] pattern = pattern(200);
    assertThat(XxHash64.hash(pattern, 5, 77)).isEqualTo(0x32C7C8F3AD34A68EL);
    assertThat(XxHash64.hash(pattern, 5, 77))
        .isEqualTo(XxHash64.hash(Arrays.copyOfRange(pattern, 5, 82)));
    assertThat(XxHash64.hash(pattern, 200, 0)).isEqualTo(0xEF46DB3751D8E999L);
  }

  @Test
  void rejectsRangeOutsideArray() {
    assertThatThrownBy(() -> XxHash64.hash(new byte[10], 5, 6))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ((i * 31 + 7) & 0xFF);
    }
    return b;
  }
}
