package dev.hypnos.storegateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.storegateway.BlockFixture.Sample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Series call matching every series of a bucket several times larger than the JVM heap streams
 * to the end: the fixture's blocks are repeated (hard links, each copy with its own ULID and an
 * external label {@code copy}) and served by a child JVM capped with {@code -Xmx}.
 */
class MemoryBoundTest {
  static final int COPIES = 150;
  static final String HEAP = "-Xmx40m";

  @TempDir Path tmp;

  @Test
  void seriesOverABucketLargerThanTheHeapStreamsToTheEnd() throws Exception {
    BlockFixture fx = BlockFixture.get();
    Path bucket = tmp.resolve("bucket");
    SplittableRandom rnd = new SplittableRandom(1);
    long bytes = 0;
    for (int c = 0; c < COPIES; c++) {
      for (BlockMeta m : fx.metas) {
        BlockId id = BlockId.of(m.ulid().timestamp(), rnd);
        Path from = fx.bucketDir.resolve(m.ulid().toString());
        Path to = bucket.resolve(id.toString());
        Files.createDirectories(to.resolve("chunks"));
        try (Stream<Path> files = Files.walk(from)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            if (Files.isRegularFile(f) && !f.getFileName().toString().equals("meta.json")) {
              Files.createLink(to.resolve(from.relativize(f).toString()), f);
              bytes += Files.size(f);
            }
          }
        }
        BlockMeta copy = new BlockMeta(id, m.minTime(), m.maxTime(), m.stats(), m.compaction(), 1,
            BlockMeta.Thanos.of(Map.of("copy", Integer.toString(c)), 0, "test"));
        BlockMetaJson.write(to, copy);
      }
    }
    assertThat(bytes).as("bucket bytes").isGreaterThan(3L * 40 * 1024 * 1024);

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, HEAP, "-cp", System.getProperty("java.class.path"),
        MemoryProbe.class.getName(), bucket.toString(), tmp.resolve("data").toString())
        .redirectErrorStream(true).start();
    byte[] out;
    try (var in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    long samples = 0;
    for (List<Sample> s : fx.dump.values()) {
      samples += s.size();
    }
    assertThat(text).contains("series=" + (long) COPIES * fx.dump.size() + " samples=" + COPIES * samples);
  }
}
