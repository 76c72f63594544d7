package dev.hypnos.bench;

import dev.hypnos.core.chunk.XorEncoder;
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
 * Encodes {@value ChunkData#CHUNKS} chunks of {@value ChunkData#SAMPLES_PER_CHUNK} samples with
 * one reused encoder, copying out each finished chunk's bytes. One operation is one sample, so the
 * score is ns/sample.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class XorEncodeBenchmark {
  @Param
  public ChunkData.Shape shape = ChunkData.Shape.counter_regular;

  private ChunkData data = new ChunkData(ChunkData.Shape.counter_regular);
  private final XorEncoder encoder = new XorEncoder(512);

  @Setup
  public void setup() {
    data = new ChunkData(shape);
  }

  @Benchmark
  @OperationsPerInvocation(ChunkData.TOTAL_SAMPLES)
  public long encode() {
    long[][] ts = data.ts;
    double[][] vs = data.vs;
    XorEncoder e = encoder;
    long acc = 0;
    for (int c = 0; c < ts.length; c++) {
      long[] t = ts[c];
      double[] v = vs[c];
      e.reset();
      for (int i = 0; i < t.length; i++) {
        e.append(t[i], v[i]);
      }
      acc += e.bytes().length;
    }
    return acc;
  }
}
