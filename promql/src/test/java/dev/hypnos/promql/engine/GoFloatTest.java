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
}
