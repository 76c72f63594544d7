package dev.hypnos.promql.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GoFloatTest {
  @Test
  void subnormalsGetGosShortestDigits() {
    // Double.toString(Double.MIN_VALUE) is "4.9E-324"; Go prints 5e-324.
    assertThat(GoFloat.shortest(Double.MIN_VALUE).toString()).isEqualTo("5E-324");
    assertThat(GoFloat.shortest(-2 * Double.MIN_VALUE).toString()).isEqualTo("-1E-323");
    assertThat(GoFloat.shortest(3 * Double.MIN_VALUE).toString()).isEqualTo("1.5E-323");
    assertThat(GoFloat.formatF(Double.MIN_VALUE)).isEqualTo("0." + "0".repeat(323) + "5");
    // count_values labels go through the same formatting.
    assertThat(Aggregations.formatFloatF(Double.MIN_VALUE)).isEqualTo("0." + "0".repeat(323) + "5");
  }

  @Test
  void normalValuesKeepShortestRoundTripDigits() {
    assertThat(GoFloat.formatF(0.1 + 0.2)).isEqualTo("0.30000000000000004");
    assertThat(GoFloat.formatF(1e21)).isEqualTo("1000000000000000000000");
    assertThat(GoFloat.formatF(-0.0)).isEqualTo("-0");
    assertThat(GoFloat.formatF(Double.NaN)).isEqualTo("NaN");
    assertThat(GoFloat.formatF(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(GoFloat.shortest(Double.MIN_NORMAL).doubleValue()).isEqualTo(Double.MIN_NORMAL);
    assertThat(GoFloat.shortest(Double.MAX_VALUE).toString()).isEqualTo("1.7976931348623157E+308");
    for (long bits = 1; bits < 1L << 52; bits = bits * 3 + 1) {
      double v = Double.longBitsToDouble(bits);
      assertThat(GoFloat.shortest(v).doubleValue()).as("bits %d", bits).isEqualTo(v);
    }
    assertThatThrownBy(() -> GoFloat.shortest(0)).hasMessageContaining("finite non-zero");
  }

  @Test
  void appendFWritesTheSameAsFormatF() {
    StringBuilder out = new StringBuilder();
    StringBuilder scratch = new StringBuilder();
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    double[] fixed = {0.1, 0.30000000000000004, 1e-3, 9.99e-4, 1e7, 1.5e7, 123456789.125, 1e15 + 0.5, 0x1p53,
        0x1p53 + 2, 1e21, 1e300, -1e-300, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_NORMAL,
        Double.MIN_VALUE, -0.0, 0.0, Double.NaN, Double.POSITIVE_INFINITY, 100, -100, 4.5e-7, 12.5, 1.0 / 3};
    for (double v : fixed) {
      out.setLength(0);
      GoFloat.appendF(out, v, scratch);
      assertThat(out.toString()).as("%s", v).isEqualTo(GoFloat.formatF(v));
    }
    for (int i = 0; i < 200_000; i++) {
      // Random bit patterns cover every exponent; scaled integers and two-decimal gauges cover real data.
      double v = switch (i % 3) {
        case 0 -> Double.longBitsToDouble(random.nextLong());
        case 1 -> random.nextLong(1L << 60) / Math.pow(10, random.nextInt(25));
        default -> Math.round(random.nextDouble(-1e6, 1e6) * 100) / 100.0;
      };
      out.setLength(0);
      GoFloat.appendF(out, v, scratch);
      assertThat(out.toString()).as("bits %x", Double.doubleToRawLongBits(v)).isEqualTo(GoFloat.formatF(v));
    }
  }
}
