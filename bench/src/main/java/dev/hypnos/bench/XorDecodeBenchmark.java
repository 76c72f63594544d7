package dev.hypnos.bench;

import dev.hypnos.core.chunk.XorIterator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decodes {@value ChunkData#CHUNKS} XOR chunks of {@value ChunkData#SAMPLES_PER_CHUNK} samples
 * with one reused iterator, sample by sample ({@code decode}) or in batches into arrays
 * ({@code decodeBatch}). One operation is one sample, so the score is ns/sample.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class XorDecodeBenchmark {
  @Param
  public ChunkData.Shape shape = ChunkData.Shape.counter_regular;

  private ChunkData data = new ChunkData(ChunkData.Shape.counter_regular);
  private final XorIterator it = new XorIterator();
  private final long[] tsBuf = new long[ChunkData.SAMPLES_PER_CHUNK];
  private final double[] vsBuf = new double[ChunkData.SAMPLES_PER_CHUNK];

  @Setup
  public void setup() {
    data = new ChunkData(shape);
  }

  @Benchmark
  @OperationsPerInvocation(ChunkData.TOTAL_SAMPLES)
  public long decode() {
    byte[] seg = data.segment;
    int[] offsets = data.offsets;
    int[] lengths = data.lengths;
    XorIterator i = it;
    long acc = 0;
    for (int c = 0; c < offsets.length; c++) {
      i.reset(seg, offsets[c], lengths[c]);
      while (i.next()) {
        acc += i.timestamp() ^ Double.doubleToRawLongBits(i.value());
      }
    }
    return acc;
  }

  /** The same decode through the batch method, into reused arrays. */
  @Benchmark
  @OperationsPerInvocation(ChunkData.TOTAL_SAMPLES)
  public long decodeBatch() {
    byte[] seg = data.segment;
    int[] offsets = data.offsets;
    int[] lengths = data.lengths;
    XorIterator i = it;
    long[] ts = tsBuf;
    double[] vs = vsBuf;
    long acc = 0;
    for (int c = 0; c < offsets.length; c++) {
      i.reset(seg, offsets[c], lengths[c]);
      int n;
      while ((n = i.next(ts, vs, 0, ts.length)) > 0) {
        acc += ts[n - 1] ^ Double.doubleToRawLongBits(vs[n - 1]);
      }
    }
    return acc;
  }
}
