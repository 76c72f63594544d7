package dev.hypnos.promql.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AnnotationsTest {
  @Test
  void formatsNumbersLikeGoPercentG() {
    assertThat(Annotations.formatG(1.5)).isEqualTo("1.5");
    assertThat(Annotations.formatG(-2)).isEqualTo("-2");
    assertThat(Annotations.formatG(100000)).isEqualTo("100000");
    assertThat(Annotations.formatG(1e6)).isEqualTo("1e+06");
    assertThat(Annotations.formatG(1.5e-5)).isEqualTo("1.5e-05");
    assertThat(Annotations.formatG(0.0001)).isEqualTo("0.0001");
    assertThat(Annotations.formatG(Double.NaN)).isEqualTo("NaN");
  }

  @Test
  void rendersPrefixAndOneBasedPosition() {
    Annotations a = new Annotations();
    a.warn(Annotations.invalidQuantile(2), 9);
    a.warn(Annotations.invalidQuantile(2), 9);
    assertThat(a.all()).hasSize(1);
    assertThat(a.rendered(Annotations.Kind.WARNING, "quantile(2, x)\n"))
        .containsExactly("PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)");
    assertThat(Annotations.positionText("a\nbc", 3)).isEqualTo("2:2");
  }
}
