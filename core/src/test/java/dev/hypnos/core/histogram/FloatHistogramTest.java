package dev.hypnos.core.histogram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FloatHistogramTest {
  @Test
  void customBucketsSpanFromMinusInfToPlusInf() {
    FloatHistogram h = FloatHistogram.customBuckets(new double[] {0.1, 0.2}, new double[] {1, 2, 3}, 6, 1.5);
    FloatHistogram.Buckets b = h.buckets();
    assertThat(b.lower()).containsExactly(Double.NEGATIVE_INFINITY, 0.1, 0.2);
    assertThat(b.upper()).containsExactly(0.1, 0.2, Double.POSITIVE_INFINITY);
    assertThat(b.counts()).containsExactly(1, 2, 3);
    assertThat(h.usesCustomBuckets()).isTrue();
    assertThat(h).hasToString("{{schema:-53 count:6 sum:1.5 custom_values:[0.1 0.2] buckets:[1 2 3]}}");
  }

  @Test
  void emptyBucketsAtTheEndsAreDropped() {
    FloatHistogram h = FloatHistogram.customBuckets(new double[] {1, 2, 3}, new double[] {0, 4, 0, 0}, 4, 6);
    assertThat(h.positiveOffset()).isEqualTo(1);
    assertThat(h.positiveBuckets()).containsExactly(4);
    assertThat(h.buckets().lower()).containsExactly(1);
    assertThat(h.buckets().upper()).containsExactly(2);
    assertThat(h).isEqualTo(FloatHistogram.customBuckets(new double[] {1, 2, 3}, new double[] {0, 4}, 4, 6));
  }

  @Test
  void exponentialBucketBoundsAndZeroBucket() {
    // schema 0: positive bucket i is (2^(i-1), 2^i]
    FloatHistogram h = FloatHistogram.exponential(0, 0.5, 1, 6, 10, 0, new double[] {2, 3}, 1, new double[] {0});
    FloatHistogram.Buckets b = h.buckets();
    assertThat(b.lower()).containsExactly(-0.5, 0.5, 1);
    assertThat(b.upper()).containsExactly(0.5, 1, 2);
    assertThat(b.counts()).containsExactly(1, 2, 3);
  }

  @Test
  void arithmeticKeepsTheLayout() {
    double[] bounds = {1, 2};
    FloatHistogram a = FloatHistogram.customBuckets(bounds, new double[] {1, 1, 1}, 3, 3);
    FloatHistogram b = FloatHistogram.customBuckets(bounds, new double[] {0, 2, 4}, 6, 9);
    FloatHistogram sum = a.addScaled(b, 1);
    assertThat(sum.positiveBuckets()).containsExactly(1, 3, 5);
    assertThat(sum.count()).isEqualTo(9);
    assertThat(b.addScaled(b, -1).positiveBuckets()).isEmpty();
    assertThat(a.mul(2).sum()).isEqualTo(6);
    assertThat(b.div(2).positiveBuckets()).containsExactly(1, 2);
    assertThat(b.div(2).positiveOffset()).isEqualTo(1);
    FloatHistogram other = FloatHistogram.customBuckets(new double[] {1, 3}, new double[] {1}, 1, 1);
    assertThat(a.sameBucketLayout(other)).isFalse();
    // different custom bounds: both are reduced to the common bounds [1] first
    assertThat(a.customBoundsDiffer(other)).isTrue();
    FloatHistogram reconciled = a.addScaled(other, 1);
    assertThat(reconciled.customBounds()).containsExactly(1);
    assertThat(reconciled.positiveBuckets()).containsExactly(2, 2);
    assertThat(reconciled.count()).isEqualTo(4);
    FloatHistogram exp = FloatHistogram.exponential(0, 0, 0, 1, 1, 0, new double[] {1}, 0, new double[0]);
    assertThat(a.addable(exp)).isFalse();
    assertThatThrownBy(() -> a.addScaled(exp, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resetsAreLowerCountsOrChangedBounds() {
    double[] bounds = {1, 2};
    FloatHistogram a = FloatHistogram.customBuckets(bounds, new double[] {1, 1, 1}, 3, 3);
    FloatHistogram more = FloatHistogram.customBuckets(bounds, new double[] {2, 1, 1}, 4, 4);
    FloatHistogram shifted = FloatHistogram.customBuckets(bounds, new double[] {0, 2, 2}, 4, 4);
    assertThat(more.detectReset(a)).isFalse();
    assertThat(shifted.detectReset(a)).isTrue();
    assertThat(a.detectReset(more)).isTrue();
    assertThat(FloatHistogram.customBuckets(new double[] {1}, new double[] {5}, 5, 5).detectReset(a)).isTrue();
  }

  @Test
  void rejectsUnorderedBoundsAndTooManyCounts() {
    assertThatThrownBy(() -> FloatHistogram.customBuckets(new double[] {2, 1}, new double[] {1}, 1, 1))
        .hasMessageContaining("strictly ascending");
    assertThatThrownBy(() -> FloatHistogram.customBuckets(new double[] {1}, new double[] {1, 1, 1}, 3, 1))
        .hasMessageContaining("3 bucket counts for 1 custom bounds");
    assertThatThrownBy(() -> FloatHistogram.exponential(9, 0, 0, 0, 0, 0, new double[0], 0, new double[0]))
        .hasMessageContaining("schema 9");
  }
}
