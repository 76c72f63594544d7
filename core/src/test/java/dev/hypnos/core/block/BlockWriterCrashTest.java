package dev.hypnos.core.block;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills (SIGKILL) a process that writes blocks at arbitrary points and checks that every directory
 * under a final block name is a complete, readable block; anything else is a temporary directory.
 */
class BlockWriterCrashTest {
  @TempDir Path tmp;

  @Test
  void killedWriterNeverLeavesAPartialBlockUnderItsFinalName() throws Exception {
    int rounds = 4;
    for (int round = 0; round < rounds; round++) {
      Path dir = Files.createDirectories(tmp.resolve("round" + round));
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
          BlockWriterCrashChild.class.getName(), dir.toString(), Integer.toString(round))
          .redirectErrorStream(true)
          .start();
      List<String> committed = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        // Kill after a different number of blocks each round, at whatever point the next one is.
        while (committed.size() < round + 1) {
          String line = out.readLine();
          assertThat(line).as("child output (it should keep writing blocks)").isNotNull();
          if (line.startsWith("committed ")) {
            committed.add(line.substring("committed ".length()));
          }
        }
        Thread.sleep(37L * round);
        p.destroyForcibly();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      }
      List<String> names;
      try (Stream<Path> s = Files.list(dir)) {
        names = s.map(x -> x.getFileName().toString()).sorted().toList();
      }
      int complete = 0;
      for (String n : names) {
        if (BlockId.isValid(n)) {
          try (BlockReader b = BlockReader.open(dir.resolve(n))) {
            assertThat(b.meta().stats().numSeries()).isEqualTo(300);
            long[] chunks = {0};
            b.forEachSeries((ref, s) -> {
              for (int i = 0; i < s.chunkCount(); i++) {
                b.chunk(s.chunkRef(i));
                chunks[0]++;
              }
              return true;
            });
            assertThat(chunks[0]).isEqualTo(b.meta().stats().numChunks());
          }
          complete++;
        } else {
          assertThat(n).as("leftover in %s", dir).endsWith(BlockWriter.TMP_SUFFIX);
        }
      }
      assertThat(complete).isGreaterThanOrEqualTo(committed.size());
      for (String id : committed) {
        assertThat(names).contains(id);
      }
    }
  }
}
