package dev.hypnos.cli.tools;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hypnos tools bucket ls}: one line per block, like {@code thanos tools bucket ls}. */
@Command(name = "ls", mixinStandardHelpOptions = true, description = "List all blocks in the bucket.")
public final class BucketLs implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ObjstoreOptions objstore;

  enum Output {
    plain,
    wide,
    json
  }

  @Option(
      names = {"-o", "--output"},
      defaultValue = "plain",
      description = "Output format: plain (block ids), wide (ids with time range and labels) or json (each meta.json on one line).")
  Output output;

  @Option(names = "--exclude-delete", description = "Leave out blocks marked for deletion.")
  boolean excludeDelete;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (Bucket bucket = objstore.open()) {
      for (BlockId id : BucketBlocks.list(bucket)) {
        if (excludeDelete && BucketBlocks.isMarkedForDeletion(bucket, id)) {
          continue;
        }
        if (output == Output.plain) {
          out.println(id);
          continue;
        }
        BlockMeta meta = BucketMetas.readOrWarn(bucket, id, err);
        if (meta == null) {
          continue;
        }
        if (output == Output.json) {
          out.println(new String(BlockMetaJson.toCompactBytes(meta), StandardCharsets.UTF_8));
        } else {
          out.println(id + " -- " + Instant.ofEpochMilli(meta.minTime()) + " - " + Instant.ofEpochMilli(meta.maxTime())
              + " Diff: " + GoFormat.duration(Duration.ofMillis(meta.maxTime() - meta.minTime()))
              + ", Compaction: " + meta.compaction().level()
              + ", Downsample: " + meta.resolution()
              + ", Source: " + (meta.thanos() == null ? "" : meta.thanos().source())
              + ", Labels: " + (meta.thanos() == null ? "{}" : meta.thanos().externalLabels()));
        }
      }
    }
    out.flush();
    return 0;
  }
}
