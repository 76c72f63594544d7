package dev.hypnos.bench;

import dev.hypnos.compactor.BlockMerger;
import dev.hypnos.compactor.Downsampler;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Macro run of the compactor's merge and downsampling over the {@link CompactorBenchmark} data,
 * timed by the thread's and the whole process's CPU time (GC and JIT included) as well as the wall
 * clock, so that the per-core rate holds on a
 * shared, loaded machine: {@code java -cp benchmarks.jar dev.hypnos.bench.CompactorThroughput
 * [rounds]}. Prints, per step, the median of the rounds in ms (CPU and wall) and input samples per
 * CPU second, and the peak heap after the rounds (run it with a small {@code -Xmx} to see that the
 * memory does not grow with the block).
 */
public final class CompactorThroughput {
  private CompactorThroughput() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    String only = args.length > 1 ? args[1] : "";
    CompactorBenchmark data = new CompactorBenchmark();
    data.setUp();
    long samples = CompactorBenchmark.SAMPLES;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    InstantSource clock = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));
    BlockMerger merger = new BlockMerger(clock, new SplittableRandom(2), BlockMerger.Options.DEFAULT);
    Downsampler downsampler = new Downsampler(clock, new SplittableRandom(3), BlockWriter.Options.DEFAULT);
    for (String step : new String[] {"merge", "downsample"}) {
      if (!only.isEmpty() && !only.equals(step)) {
        continue;
      }
      long[] cpu = new long[rounds];
      long[] wall = new long[rounds];
      long[] proc = new long[rounds];
      for (int r = 0; r < rounds; r++) {
        Path out = Files.createTempDirectory("hypnos-compactor-throughput");
        long p0 = os.getProcessCpuTime();
        long c0 = threads.getCurrentThreadCpuTime();
        long w0 = System.nanoTime();
        if (step.equals("merge")) {
          merger.merge(data.sources, out);
        } else {
          downsampler.downsample(data.merged, Downsampler.RES_5M, out);
        }
        cpu[r] = threads.getCurrentThreadCpuTime() - c0;
        wall[r] = System.nanoTime() - w0;
        proc[r] = os.getProcessCpuTime() - p0;
        IoUtil.deleteTree(out);
      }
      // The first third is warm-up.
      long[] c = Arrays.copyOfRange(cpu, rounds / 3, rounds);
      long[] w = Arrays.copyOfRange(wall, rounds / 3, rounds);
      long[] pc = Arrays.copyOfRange(proc, rounds / 3, rounds);
      Arrays.sort(c);
      Arrays.sort(w);
      Arrays.sort(pc);
      long mp = pc[pc.length / 2];
      long mc = c[c.length / 2];
      long mw = w[w.length / 2];
      System.out.printf("%-10s %d samples: median thread CPU %.1f ms, process CPU %.1f ms, wall %.1f ms;"
          + " %.2f M input samples per thread-CPU second (%.1f ns/sample), %.2f M per process-CPU second;"
          + " thread CPU min %.1f max %.1f ms%n", step, samples, mc / 1e6, mp / 1e6, mw / 1e6,
          samples / (mc / 1e9) / 1e6, (double) mc / samples, samples / (mp / 1e9) / 1e6, c[0] / 1e6,
          c[c.length - 1] / 1e6);
    }
    long peak = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
        peak += p.getPeakUsage().getUsed();
      }
    }
    System.out.printf("peak heap (sum of pool peaks): %.1f MiB, max heap %.1f MiB%n", peak / 1048576.0,
        Runtime.getRuntime().maxMemory() / 1048576.0);
    data.tearDown();
    for (BlockReader b : data.sources) {
      b.close();
    }
  }
}
