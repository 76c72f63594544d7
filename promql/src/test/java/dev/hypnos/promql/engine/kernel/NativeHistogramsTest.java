package dev.hypnos.promql.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hypnos.core.histogram.FloatHistogram;
import org.junit.jupiter.api.Test;

class NativeHistogramsTest {
  // le=0.1: 10, le=0.2: 30, +Inf: 40 as a classic histogram
  private static final FloatHistogram NHCB =
      FloatHistogram.customBuckets(new double[] {0.1, 0.2}, new double[] {10, 20, 10}, 40, 6);

  @Test
  void quantileOfCustomBucketsMatchesTheClassicHistogram() {
    for (double q : new double[] {0, 0.1, 0.25, 0.5, 0.7, 0.75}) {
      double classic = BucketQuantile.quantile(q, new double[] {0.1, 0.2, Double.POSITIVE_INFINITY},
          new double[] {10, 30, 40}, 3).quantile();
      assertThat(NativeHistograms.quantile(q, NHCB).value()).as("q=" + q).isCloseTo(classic, within(1e-12));
    }
    // the +Inf bucket answers with its lower bound
    assertThat(NativeHistograms.quantile(0.9, NHCB).value()).isEqualTo(0.2);
    assertThat(NativeHistograms.quantile(-1, NHCB).value()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(NativeHistograms.quantile(2, NHCB).value()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(NativeHistograms.quantile(0.5,
        FloatHistogram.customBuckets(new double[] {1}, new double[0], 0, 0)).value()).isNaN();
  }

  @Test
  void fractionInterpolatesLinearlyInCustomBuckets() {
    assertThat(NativeHistograms.fraction(0, 0.15, NHCB).value()).isCloseTo(0.5, within(1e-12));
    assertThat(NativeHistograms.fraction(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, NHCB).value())
        .isEqualTo(1);
    assertThat(NativeHistograms.fraction(0.2, 0.1, NHCB).value()).isZero();
    assertThat(NativeHistograms.fraction(Double.NaN, 1, NHCB).value()).isNaN();
  }

  @Test
  void quantileInterpolatesExponentiallyInExponentialBuckets() {
    // schema 0, one positive bucket (1, 2] holding everything
    FloatHistogram h = FloatHistogram.exponential(0, 0, 0, 4, 6, 1, new double[] {4}, 0, new double[0]);
    assertThat(NativeHistograms.quantile(0.5, h).value()).isCloseTo(Math.sqrt(2), within(1e-12));
  }

  @Test
  void nanObservationsAreReported() {
    // two of four observations were NaN: the buckets hold 2
    FloatHistogram h = FloatHistogram.exponential(0, 0, 0, 4, Double.NaN, 1, new double[] {1, 1}, 0, new double[0]);
    assertThat(NativeHistograms.quantile(0.9, h).notice()).isEqualTo(NativeHistograms.Notice.QUANTILE_NAN_RESULT);
    assertThat(NativeHistograms.quantile(0.9, h).value()).isNaN();
    assertThat(NativeHistograms.quantile(0.25, h).notice()).isEqualTo(NativeHistograms.Notice.QUANTILE_NAN_SKEW);
    assertThat(NativeHistograms.fraction(0, 1, h).notice()).isEqualTo(NativeHistograms.Notice.FRACTION_NANS);
    // with custom buckets the NaNs sit in the +Inf bucket, whose lower bound is the answer
    FloatHistogram c = FloatHistogram.customBuckets(new double[] {1}, new double[] {1, 1}, 4, Double.NaN);
    assertThat(NativeHistograms.quantile(0.9, c).value()).isEqualTo(1);
  }

  @Test
  void log2IsExactForPowersOfTwo() {
    assertThat(NativeHistograms.log2(8)).isEqualTo(3);
    assertThat(NativeHistograms.log2(0.25)).isEqualTo(-2);
    assertThat(NativeHistograms.log2(3)).isCloseTo(Math.log(3) / Math.log(2), within(1e-15));
  }
}
