package dev.hypnos.core.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LabelsTest {

  private static final String BMP_HIGH = "\uFFFD"; // U+FFFD, three UTF-8 bytes EF BF BD
  private static final String PRIVATE_USE = "\uE000"; // U+E000, EE 80 80
  private static final String EMOJI = "\uD83D\uDE00"; // U+1F600, F0 9F 98 80

  @Test
  void goByteOrderDiffersFromStringCompareToOnSupplementaryCharacters() {
    // UTF-16 puts the surrogate pair (D83D..) before U+E000..U+FFFF; UTF-8 bytes put it after.
    assertThat(EMOJI.compareTo(BMP_HIGH)).isNegative();
    assertThat(Labels.compareStrings(EMOJI, BMP_HIGH)).isPositive();
    assertThat(Labels.compareStrings(EMOJI, PRIVATE_USE)).isPositive();
    assertThat(Labels.compareStrings(PRIVATE_USE, EMOJI)).isNegative();
    assertThat(Labels.compareStrings("a" + EMOJI, "a" + PRIVATE_USE + "z")).isPositive();
    // Below the surrogate range both orders agree.
    assertThat(Labels.compareStrings("\uD7FF", EMOJI)).isNegative();
    assertThat(Labels.compareStrings("abc", "abd")).isNegative();
    assertThat(Labels.compareStrings("ab", "abc")).isNegative();
    assertThat(Labels.compareStrings("", "")).isZero();
  }

  @Test
  void compareStringsEqualsUnsignedUtf8ByteOrderOnRandomStrings() {
    Random random = new Random(42);
    int[] pool = {'a', 'b', 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xe001, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff};
    for (int i = 0; i < 20_000; i++) {
      String a = randomString(random, pool);
      String b = randomString(random, pool);
      int want = Integer.signum(Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
      assertThat(Integer.signum(Labels.compareStrings(a, b))).as("%s vs %s", a, b).isEqualTo(want);
      assertThat(Integer.signum(Labels.compareBytes(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8))))
          .isEqualTo(want);
    }
  }

  private static String randomString(Random random, int[] pool) {
    StringBuilder sb = new StringBuilder();
    int n = random.nextInt(4);
    for (int k = 0; k < n; k++) {
      int cp = random.nextBoolean() ? pool[random.nextInt(pool.length)] : random.nextInt(0x110000);
      if (cp >= 0xd800 && cp <= 0xdfff) {
        cp = 'x'; // lone surrogates are not text
      }
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }

  @Test
  void namesAreSortedInGoByteOrder() {
    Labels ls = Labels.of(EMOJI, "1", BMP_HIGH, "2", "b", "3", "a", "4", PRIVATE_USE, "5");
    List<String> names = new ArrayList<>();
    ls.forEach((n, v) -> names.add(n));
    assertThat(names).containsExactly("a", "b", PRIVATE_USE, BMP_HIGH, EMOJI);
    assertThat(ls.get(EMOJI)).isEqualTo("1");
    assertThat(ls.get("zzz")).isNull();
    assertThat(ls.getOrEmpty("zzz")).isEmpty();
  }

  @Test
  void compareToIsPrometheusLabelsCompare() {
    Labels a1 = Labels.of("a", "1");
    Labels a1b2 = Labels.of("a", "1", "b", "2");
    Labels a2 = Labels.of("a", "2");
    Labels b1 = Labels.of("b", "1");
    // A common prefix: the shorter set sorts first.
    assertThat(a1.compareTo(a1b2)).isNegative();
    assertThat(a1b2.compareTo(a1)).isPositive();
    // Pairwise: values decide when names are equal, before length.
    assertThat(a1b2.compareTo(a2)).isNegative();
    // Names decide before values.
    assertThat(a2.compareTo(b1)).isNegative();
    assertThat(Labels.of("a", "1", "c", "0").compareTo(Labels.of("a", "1", "b", "9"))).isPositive();
    // Byte order applies to values too.
    assertThat(Labels.of("a", EMOJI).compareTo(Labels.of("a", BMP_HIGH))).isPositive();
    assertThat(Labels.EMPTY.compareTo(a1)).isNegative();
    assertThat(a1.compareTo(Labels.of("a", "1"))).isZero();
  }

  @Test
  void duplicateNamesAreRejected() {
    assertThatThrownBy(() -> Labels.of("a", "1", "b", "2", "a", "3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate label name a");
    assertThatThrownBy(() -> Labels.fromUnsorted(List.of(new Label("x", "1"), new Label("x", "1"))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Labels.of("a")).hasMessageContaining("name/value pairs");
  }

  @Test
  void toStringQuotesValuesAsGoDoes() {
    assertThat((Object) Labels.of("b", "2", "a", "1")).hasToString("{a=\"1\", b=\"2\"}");
    assertThat((Object) Labels.of("a", "x\"y\\z\n")).hasToString("{a=\"x\\\"y\\\\z\\n\"}");
    assertThat((Object) Labels.of("a", "é" + EMOJI + "\u0007\u007f\u00a0\u200b")).hasToString("{a=\"é" + EMOJI + "\\a\\x7f\\u00a0\\u200b\"}");
    assertThat((Object) Labels.of("a", "\uDB80\uDC00")).hasToString("{a=\"\\U000f0000\"}"); // private use plane
    assertThat((Object) Labels.EMPTY).hasToString("{}");
  }

  @Test
  void toStringQuotesNonLegacyNamesAsPrometheus3Does() {
    assertThat((Object) Labels.of("my.label", "1", "__name__", "up")).hasToString("{__name__=\"up\", \"my.label\"=\"1\"}");
    assertThat((Object) Labels.of("", "x")).hasToString("{\"\"=\"x\"}");
    assertThat(Labels.isLegacyName("_a9")).isTrue();
    assertThat(Labels.isLegacyName("9a")).isFalse();
    assertThat(Labels.isLegacyName("a-b")).isFalse();
  }

  @Test
  void equalityMapsAndWithout() {
    Labels ls = Labels.fromMap(Map.of("job", "api", "instance", "h:1", "env", "prod"));
    assertThat((Object) ls).isEqualTo(Labels.of("env", "prod", "instance", "h:1", "job", "api"));
    assertThat(ls.hashCode()).isEqualTo(Labels.of("env", "prod", "instance", "h:1", "job", "api").hashCode());
    assertThat(ls.toMap().keySet()).containsExactly("env", "instance", "job");
    assertThat((Object) ls.without("instance", "nope")).isEqualTo(Labels.of("env", "prod", "job", "api"));
    assertThat((Object) ls.without("nope")).isSameAs(ls);
    assertThat(ls.toList()).containsExactly(new Label("env", "prod"), new Label("instance", "h:1"), new Label("job", "api"));
    assertThat(ls.utf8Size()).isEqualTo("envprodinstanceh:1jobapi".length());
  }
}
