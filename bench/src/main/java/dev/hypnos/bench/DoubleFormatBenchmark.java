package dev.hypnos.bench;

import dev.hypnos.promql.engine.GoFloat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Formats {@value #VALUES} computed sample values (uniform between 0.001 and 10000 with full
 * precision, as rates and ratios are) in Go's {@code 'f'} form into a byte buffer, as the
 * querier's JSON writer does: through {@link GoFloat#appendF} ({@link Double#toString} digits moved
 * out of scientific notation in a StringBuilder) and a char-to-byte copy, or with {@link
 * GoFloat#writeF} straight into the bytes. One operation is one value, so the score is ns/value.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DoubleFormatBenchmark {
  static final int VALUES = 1000;

  private final double[] values = new double[VALUES];
  private final byte[] buf = new byte[VALUES * GoFloat.MAX_F_BYTES_BELOW_1E21];
  private final StringBuilder num = new StringBuilder(32);
  private final StringBuilder scratch = new StringBuilder(32);

  public DoubleFormatBenchmark() {
    SplittableRandom random = new SplittableRandom(20261126);
    for (int i = 0; i < VALUES; i++) {
      values[i] = random.nextDouble(0.001, 10_000);
    }
  }

  /** The former path: StringBuilder digits, then copied char by char into the byte buffer. */
  @Benchmark
  @OperationsPerInvocation(VALUES)
  public int appendFAndCopy() {
    byte[] b = buf;
    int len = 0;
    for (double v : values) {
      num.setLength(0);
      GoFloat.appendF(num, v, scratch);
      int n = num.length();
      for (int k = 0; k < n; k++) {
        b[len++] = (byte) num.charAt(k);
      }
    }
    return len;
  }

  /** Schubfach digits written as bytes. */
  @Benchmark
  @OperationsPerInvocation(VALUES)
  public int writeF() {
    byte[] b = buf;
    int len = 0;
    for (double v : values) {
      len = GoFloat.writeF(b, len, v);
    }
    return len;
  }

  /** For scale: the JDK's shortest digits alone, as a String in scientific or plain notation. */
  @Benchmark
  @OperationsPerInvocation(VALUES)
  public int doubleToString() {
    int n = 0;
    for (double v : values) {
      n += Double.toString(v).length();
    }
    return n;
  }
}
