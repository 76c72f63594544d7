package dev.hypnos.core.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkSegmentWriterTest {
  @TempDir Path tmp;

  @Test
  void cutsSegmentsAtTheSizeAndChunksReadBackByReference() throws IOException {
    SplittableRandom r = new SplittableRandom(3);
    List<byte[]> data = new ArrayList<>();
    List<Long> refs = new ArrayList<>();
    Path dir = tmp.resolve("chunks");
    long segmentSize = 1000;
    try (ChunkSegmentWriter w = new ChunkSegmentWriter(dir, segmentSize)) {
      for (int i = 0; i < 200; i++) {
        // Mostly small chunks, a few larger than a whole segment, one of 200 bytes (2-byte length).
        int len = i == 7 ? 200 : i % 50 == 49 ? 1500 : 2 + r.nextInt(120);
        byte[] d = new byte[len];
        r.nextBytes(d);
        data.add(d);
        refs.add(w.write((byte) (1 + i % 3), d, 0, d.length));
      }
      w.finish();
      assertThat(w.chunkCount()).isEqualTo(200);
      assertThat(w.maxChunkSize()).isEqualTo(2 + 1 + 1500 + 4);
      long total = 0;
      for (String f : w.segmentFiles()) {
        total += Files.size(dir.resolve(f));
      }
      assertThat(w.totalBytes()).isEqualTo(total);
    }
    List<String> files;
    try (var s = Files.list(dir)) {
      files = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(10);
    for (String f : files) {
      long size = Files.size(dir.resolve(f));
      byte[] b = Files.readAllBytes(dir.resolve(f));
      assertThat(b).startsWith((byte) 0x85, (byte) 0xBD, (byte) 0x40, (byte) 0xDD, (byte) 1, (byte) 0, (byte) 0, (byte) 0);
      if (size > segmentSize) {
        // Only a chunk larger than a segment gets a segment above the size, and alone.
        assertThat(size).isEqualTo(8 + 2 + 1 + 1500 + 4);
      }
    }
    try (ChunkSegmentReader reader = ChunkSegmentReader.open(dir, "test")) {
      assertThat(reader.segmentCount()).isEqualTo(files.size());
      long prev = -1;
      for (int i = 0; i < data.size(); i++) {
        assertThat(refs.get(i)).isGreaterThan(prev);
        prev = refs.get(i);
        RawChunk c = reader.chunk(refs.get(i));
        assertThat(c.encoding()).isEqualTo((byte) (1 + i % 3));
        assertThat(c.data()).isEqualTo(data.get(i));
      }
    }
    assertThat(refs.get(0)).isEqualTo(8);
  }

  @Test
  void rejectsImpossibleSegmentSizesAndWritesAfterFinish() throws IOException {
    assertThatThrownBy(() -> new ChunkSegmentWriter(tmp.resolve("a"), 8)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChunkSegmentWriter(tmp.resolve("a"), 1L << 33)).isInstanceOf(IllegalArgumentException.class);
    try (ChunkSegmentWriter w = new ChunkSegmentWriter(tmp.resolve("b"))) {
      w.write(new RawChunk((byte) 1, new byte[] {0, 0}));
      w.finish();
      assertThatThrownBy(() -> w.write(new RawChunk((byte) 1, new byte[] {0, 0})))
          .isInstanceOf(IllegalStateException.class);
    }
  }
}
