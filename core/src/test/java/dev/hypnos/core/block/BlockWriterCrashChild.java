package dev.hypnos.core.block;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Child process for {@link BlockWriterCrashTest}: writes blocks into {@code args[0]} one after the
 * other, printing {@code committed <id>} after each, until it is killed.
 */
public final class BlockWriterCrashChild {
  private BlockWriterCrashChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    List<BlockWriterTest.Data> data = BlockWriterTest.data(300, 400, 42);
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
    for (int i = 0; ; i++) {
      BlockId id = BlockId.of(1_700_000_000_000L + i, random);
      try (BlockWriter w = BlockWriter.create(dir, id, new BlockWriter.Options(64 * 1024, 120))) {
        for (BlockWriterTest.Data d : data) {
          w.addSeries(d.labels(), BlockWriterTest.iter(d));
        }
        w.commit(BlockWriterTest.level1(id), null);
      }
      System.out.println("committed " + id);
      System.out.flush();
    }
  }
}
