package dev.hypnos.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.RawChunk;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.chunk.XorIterator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bit-exactness of our XOR codec against Prometheus: every chunk that promtool wrote, decoded and
 * encoded again by us, gives back the very bytes Prometheus wrote.
 */
class XorReencodeTest {
  @TempDir Path tmp;

  @Test
  void reencodingEveryPromtoolChunkGivesIdenticalBytes() throws IOException {
    long chunks = 0;
    long samples = 0;
    // The default set plus one with a different seed, so jitter, resets and values vary.
    for (long seed : new long[] {42, 4242}) {
      var data = new OpenMetricsGenerator(OpenMetricsGenerator.Config.defaults().withSeed(seed))
          .write(tmp.resolve("d" + seed + ".om"));
      List<Path> blocks = Promtool.require().createBlocksFromOpenMetrics(data.file(), tmp.resolve("b" + seed));
      XorIterator it = new XorIterator();
      XorEncoder enc = new XorEncoder();
      for (Path dir : blocks) {
        try (BlockReader block = BlockReader.open(dir)) {
          long[] counts = new long[2];
          block.forEachSeries((ref, series) -> {
            for (int i = 0; i < series.chunkCount(); i++) {
              RawChunk raw = block.chunk(series.chunkRef(i));
              assertThat(raw.encoding()).isEqualTo(RawChunk.ENC_XOR);
              it.reset(raw.data(), 0, raw.data().length);
              enc.reset();
              while (it.next()) {
                enc.append(it.timestamp(), it.value());
              }
              assertThat(it.error()).isNull();
              byte[] again = enc.bytes();
              if (!Arrays.equals(again, raw.data())) {
                assertThat(again).as("chunk %d of %s in block %s", i, series.labels(), block.id())
                    .isEqualTo(raw.data());
              }
              counts[0]++;
              counts[1] += enc.numSamples();
            }
            return true;
          });
          chunks += counts[0];
          samples += counts[1];
        }
      }
    }
    assertThat(chunks).isGreaterThan(1000);
    assertThat(samples).isGreaterThan(200_000);
  }
}
