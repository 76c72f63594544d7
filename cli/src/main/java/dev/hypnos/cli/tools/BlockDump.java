package dev.hypnos.cli.tools;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockQuerier;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.labels.SelectorParseException;
import dev.hypnos.core.labels.SelectorParser;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import dev.hypnos.core.storage.MergeSeriesSet;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hypnos tools block dump}: every sample of the selected blocks, one line each, in the
 * format of {@code promtool tsdb dump}: {@code {__name__="x", a="b"} value timestamp_ms}, sorted by
 * series and then time, with series of several blocks merged.
 *
 * <p>Each selected block is downloaded to a temporary directory (streamed to disk, removed at the
 * end) and read from there; memory holds one series' current chunk per block.
 */
@Command(
    name = "dump",
    mixinStandardHelpOptions = true,
    description = "Print the samples of blocks in promtool tsdb dump's format.")
public final class BlockDump implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ObjstoreOptions objstore;

  @Option(names = "--id", paramLabel = "ULID", description = "Block to dump (repeatable). Default: every block.")
  List<String> ids = new ArrayList<>();

  @Option(
      names = "--match",
      paramLabel = "SELECTOR",
      description = "Series selector, e.g. 'up{job=\"node\"}' (repeatable; a series is printed if any matches). Default: all series.")
  List<String> match = new ArrayList<>();

  @Option(names = "--min-time", paramLabel = "MS", description = "First timestamp to print, in ms (inclusive).")
  long minTime = Long.MIN_VALUE;

  @Option(names = "--max-time", paramLabel = "MS", description = "Last timestamp to print, in ms (inclusive).")
  long maxTime = Long.MAX_VALUE;

  @Option(names = "--tmp.dir", paramLabel = "DIR", description = "Where blocks are downloaded to (default: the system temp directory).")
  @Nullable Path tmpDir;

  @Override
  public Integer call() throws Exception {
    List<List<Matcher>> selectors = parseSelectors();
    if (minTime > maxTime) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--min-time " + minTime + " is after --max-time " + maxTime);
    }
    Path work = tmpDir == null ? Files.createTempDirectory("hypnos-dump-")
        : Files.createTempDirectory(Files.createDirectories(tmpDir), "hypnos-dump-");
    List<BlockReader> readers = new ArrayList<>();
    PrintWriter out = spec.commandLine().getOut();
    try (Bucket bucket = objstore.open()) {
      for (BlockId id : selectedBlocks(bucket)) {
        BlockMeta meta;
        if (ids.isEmpty()) {
          meta = BucketMetas.readOrWarn(bucket, id, spec.commandLine().getErr());
          if (meta == null) {
            continue;
          }
        } else {
          try {
            meta = BucketBlocks.readMeta(bucket, id);
          } catch (ObjectNotFoundException e) {
            throw new IOException("block " + id + " in " + bucket.name() + " has no meta.json (a partial upload?)");
          }
        }
        if (meta.maxTime() <= minTime || meta.minTime() > maxTime) {
          continue;
        }
        readers.add(BlockReader.open(BucketBlocks.download(bucket, id, work)));
      }
      dump(readers, selectors, out);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      out.flush();
      IoUtil.closeAll(readers);
      IoUtil.deleteTree(work);
    }
    return 0;
  }

  private List<List<Matcher>> parseSelectors() {
    List<List<Matcher>> out = new ArrayList<>();
    for (String m : match) {
      try {
        out.add(SelectorParser.parse(m));
      } catch (SelectorParseException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--match " + m + ": " + e.getMessage());
      }
    }
    if (out.isEmpty()) {
      out.add(List.of(Matcher.re("__name__", ".*")));
    }
    return out;
  }

  private List<BlockId> selectedBlocks(Bucket bucket) throws IOException {
    if (ids.isEmpty()) {
      return BucketBlocks.list(bucket);
    }
    Set<BlockId> wanted = new LinkedHashSet<>();
    for (String s : ids) {
      try {
        wanted.add(BlockId.parse(s));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--id " + s + ": " + e.getMessage());
      }
    }
    List<BlockId> out = new ArrayList<>(wanted);
    out.sort(null);
    return out;
  }

  private void dump(List<BlockReader> readers, List<List<Matcher>> selectors, PrintWriter out) throws IOException {
    // One sorted set per (block, selector); the merge unions selectors and blocks alike.
    List<SeriesSet> sets = new ArrayList<>();
    for (BlockReader r : readers) {
      for (List<Matcher> sel : selectors) {
        sets.add(BlockQuerier.select(r, sel, minTime, maxTime));
      }
    }
    StringBuilder line = new StringBuilder(256);
    try (SeriesSet all = new MergeSeriesSet(sets)) {
      while (all.next()) {
        Series s = all.at();
        String labels = s.labels().toString();
        ChunkIterator it = s.iterator();
        while (it.next()) {
          line.setLength(0);
          line.append(labels).append(' ').append(GoFormat.formatG(it.value())).append(' ').append(it.timestamp());
          out.println(line);
        }
        if (it.error() != null) {
          throw new IOException("read samples of " + labels + ": " + it.error());
        }
      }
    }
  }
}
