package dev.hypnos.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.engine.FPoint;
import dev.hypnos.promql.engine.GoFloat;
import dev.hypnos.promql.engine.Matrix;
import dev.hypnos.promql.engine.RangeSeries;
import dev.hypnos.querier.api.PromJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
 * {@code promJsonMatrix} writes a whole range-query answer ({@value #SERIES} series of {@value
 * #POINTS} such points on a 15 s step) through {@link PromJson#writeResult}: ns per point,
 * timestamps and labels included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DoubleFormatBenchmark {
  static final int VALUES = 1000;
  static final int SERIES = 50;
  static final int POINTS = 240;

  private final double[] values = new double[VALUES];
  private final byte[] buf = new byte[VALUES * GoFloat.MAX_F_BYTES_BELOW_1E21];
  private final StringBuilder num = new StringBuilder(32);
  private final StringBuilder scratch = new StringBuilder(32);
  private final Matrix matrix;
  private final ByteArrayOutputStream json = new ByteArrayOutputStream(1 << 20);

  public DoubleFormatBenchmark() {
    SplittableRandom random = new SplittableRandom(20261126);
    for (int i = 0; i < VALUES; i++) {
      values[i] = random.nextDouble(0.001, 10_000);
    }
    List<RangeSeries> series = new ArrayList<>();
    for (int s = 0; s < SERIES; s++) {
      List<FPoint> points = new ArrayList<>();
      for (int i = 0; i < POINTS; i++) {
        points.add(new FPoint(1_700_000_000_000L + i * 15_000L, random.nextDouble(0.001, 10_000)));
      }
      series.add(new RangeSeries(Labels.of("instance", "host-" + s + ":9100", "job", "node"), points));
    }
    matrix = new Matrix(series);
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

  /** A range-query answer as JSON bytes. */
  @Benchmark
  @OperationsPerInvocation(SERIES * POINTS)
  public int promJsonMatrix() throws IOException {
    json.reset();
    try (JsonGenerator g = PromJson.generator(json)) {
      g.writeStartObject();
      PromJson.writeResult(g, matrix);
      g.writeEndObject();
    }
    return json.size();
  }
}
