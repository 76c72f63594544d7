package dev.hypnos.promql.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class KernelsTest {
  @Test
  void rateExtrapolatesToWindowEdges() {
    // samples every 10s, 0..50 over a 60s window ending at 55s: values 0,10,...,50 at 5..55s
    long[] t = {5_000, 15_000, 25_000, 35_000, 45_000, 55_000};
    double[] v = {0, 10, 20, 30, 40, 50};
    double inc = RangeKernels.extrapolatedRate(t, v, 0, 6, -5_000, 55_000, true, false, 60);
    // the counter starts at 0 at 5s, so no extrapolation below zero: 50 over 50s, end on the edge
    assertThat(inc).isCloseTo(50, within(1e-9));
    double rate = RangeKernels.extrapolatedRate(t, v, 0, 6, -5_000, 55_000, true, true, 60);
    assertThat(rate).isCloseTo(50 / 60.0, within(1e-12));
  }

  @Test
  void counterResetsAddThePreviousValue() {
    long[] t = {0, 10_000, 20_000};
    double[] v = {5, 10, 3};
    assertThat(RangeKernels.resets(v, 0, 3)).isEqualTo(1);
    double inc = RangeKernels.extrapolatedRate(t, v, 0, 3, -1, 20_000, true, false, 20.001);
    assertThat(inc).isGreaterThan(8);
  }

  @Test
  void quantileInterpolatesAndSortsNaNFirst() {
    assertThat(RangeKernels.quantile(0.5, new double[] {3, 1, 2, 4}, 4)).isEqualTo(2.5);
    assertThat(RangeKernels.quantile(0, new double[] {3, Double.NaN, 2}, 3)).isNaN();
    assertThat(RangeKernels.quantile(2, new double[] {1}, 1)).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void bucketQuantileFixesMonotonicity() {
    double[] upper = {0.1, 0.2, Double.POSITIVE_INFINITY};
    double[] counts = {10, 5, 20};
    BucketQuantile.Result r = BucketQuantile.quantile(0.5, upper, counts, 3);
    assertThat(r.forcedMonotonic()).isTrue();
    assertThat(r.quantile()).isCloseTo(0.1, within(1e-12));
    BucketQuantile.Result missingInf = BucketQuantile.quantile(0.5, new double[] {1, 2}, new double[] {1, 2}, 2);
    assertThat(missingInf.quantile()).isNaN();
  }

  @Test
  void kahanKeepsSmallAddends() {
    double[] v = {1e16, 1, 1, 1, 1, -1e16};
    assertThat(RangeKernels.sum(v, 0, v.length)).isEqualTo(4);
  }

  @Test
  void linearRegressionOfALine() {
    long[] t = {0, 1000, 2000};
    double[] v = {1, 3, 5};
    double[] out = new double[2];
    RangeKernels.linearRegression(t, v, 0, 3, 0, out);
    assertThat(out[0]).isCloseTo(2, within(1e-12));
    assertThat(out[1]).isCloseTo(1, within(1e-12));
  }
}
