package dev.hypnos.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.io.ByteArrayInput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.RawChunk;
import dev.hypnos.core.index.IndexReader;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.labels.Labels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads blocks that the real promtool made from generated OpenMetrics and checks every series,
 * chunk and sample count against {@code promtool tsdb dump}, meta.json stats and the generator.
 */
class PromtoolBlocksTest {
  @TempDir static Path tmp;
  static OpenMetricsGenerator.Result generated;
  static List<Path> blocks;
  /** Dump lines grouped by series text form: timestamps in order. */
  static Map<String, List<Long>> dumped;
  /** Dump values grouped the same way. */
  static Map<String, List<Double>> dumpedValues;

  @BeforeAll
  static void makeBlocks() throws IOException {
    Promtool promtool = Promtool.require();
    generated = new OpenMetricsGenerator(OpenMetricsGenerator.Config.defaults()).write(tmp.resolve("data.om"));
    blocks = promtool.createBlocksFromOpenMetrics(generated.file(), tmp.resolve("db"));
    dumped = new HashMap<>();
    dumpedValues = new HashMap<>();
    for (String line : promtool.dump(tmp.resolve("db"))) {
      int sp2 = line.lastIndexOf(' ');
      int sp1 = line.lastIndexOf(' ', sp2 - 1);
      String series = line.substring(0, sp1);
      dumped.computeIfAbsent(series, k -> new ArrayList<>()).add(Long.parseLong(line.substring(sp2 + 1)));
      // promtool prints %g, the shortest text that parses back to the same double.
      dumpedValues.computeIfAbsent(series, k -> new ArrayList<>()).add(Double.parseDouble(line.substring(sp1 + 1, sp2)));
    }
  }

  @Test
  void generatorMakesEnoughDataOverSeveralBlocks() {
    assertThat(generated.totalSamples()).isGreaterThanOrEqualTo(100_000);
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(4);
    long dumpedSamples = dumped.values().stream().mapToLong(List::size).sum();
    assertThat(dumpedSamples).isEqualTo(generated.totalSamples());
    Set<String> genSeries = new HashSet<>();
    generated.series().forEach(s -> genSeries.add(s.labels().toString()));
    assertThat(dumped.keySet()).isEqualTo(genSeries);
    // The generator's record of what it wrote is exactly what Prometheus stored.
    for (OpenMetricsGenerator.Series gs : generated.series()) {
      String key = gs.labels().toString();
      assertThat(dumped.get(key)).as("timestamps of %s", key)
          .containsExactly(java.util.Arrays.stream(gs.timestamps()).boxed().toArray(Long[]::new));
      assertThat(dumpedValues.get(key)).as("values of %s", key)
          .containsExactly(java.util.Arrays.stream(gs.values()).boxed().toArray(Double[]::new));
    }
  }

  /** Per series of one block: samples, first and last timestamp, from our readers. */
  record SeriesSummary(long samples, long first, long last, int chunks) {}

  @Test
  void everyBlockMatchesPromtoolDumpAndMetaStats() throws IOException {
    long totalSamples = 0;
    Set<String> seenSeries = new HashSet<>();
    for (Path dir : blocks) {
      try (BlockReader block = BlockReader.open(dir)) {
        BlockMeta meta = block.meta();
        assertThat(meta.ulid().toString()).isEqualTo(dir.getFileName().toString());
        assertThat(meta.compaction().level()).isEqualTo(1);
        assertThat(block.tombstones().isEmpty()).isTrue();
        // Prometheus writes json.MarshalIndent(meta, "", "\t"): ours is the same plus Encoder's newline.
        assertThat(new String(BlockMetaJson.toBytes(meta), StandardCharsets.UTF_8))
            .isEqualTo(Files.readString(dir.resolve("meta.json")) + "\n");

        Map<String, SeriesSummary> ours = new TreeMap<>();
        List<Labels> order = new ArrayList<>();
        long[] chunkCount = {0};
        long[] sampleCount = {0};
        long[] lastRef = {-1};
        long visited = block.forEachSeries((ref, s) -> {
          assertThat(ref).isGreaterThan(lastRef[0]);
          lastRef[0] = ref;
          order.add(s.labels());
          long samples = 0;
          long prevMax = Long.MIN_VALUE;
          long prevChunkRef = -1;
          for (int i = 0; i < s.chunkCount(); i++) {
            assertThat(s.chunkMinTime(i)).isGreaterThan(prevMax).isGreaterThanOrEqualTo(meta.minTime());
            assertThat(s.chunkMaxTime(i)).isLessThan(meta.maxTime());
            assertThat(s.chunkRef(i)).isGreaterThan(prevChunkRef);
            prevMax = s.chunkMaxTime(i);
            prevChunkRef = s.chunkRef(i);
            RawChunk c = block.chunk(s.chunkRef(i));
            assertThat(c.encoding()).isEqualTo(RawChunk.ENC_XOR);
            int n = c.headerSampleCount();
            assertThat(n).isPositive();
            samples += n;
          }
          chunkCount[0] += s.chunkCount();
          sampleCount[0] += samples;
          ours.put(s.labels().toString(), new SeriesSummary(samples, s.chunkMinTime(0),
              s.chunkMaxTime(s.chunkCount() - 1), s.chunkCount()));
          return true;
        });

        // Series come in label-set order.
        for (int i = 1; i < order.size(); i++) {
          assertThat(order.get(i - 1).compareTo(order.get(i))).as("series order at %d", i).isNegative();
        }

        // promtool's view of the same time range.
        Map<String, SeriesSummary> theirs = new TreeMap<>();
        dumped.forEach((series, ts) -> {
          List<Long> in = ts.stream().filter(t -> t >= meta.minTime() && t < meta.maxTime()).toList();
          if (!in.isEmpty()) {
            theirs.put(series, new SeriesSummary(in.size(), in.get(0), in.get(in.size() - 1), 0));
          }
        });
        assertThat(ours.keySet()).isEqualTo(theirs.keySet());
        theirs.forEach((series, t) -> {
          SeriesSummary o = ours.get(series);
          assertThat(o.samples()).as("samples of %s in %s", series, dir).isEqualTo(t.samples());
          assertThat(o.first()).as("first sample of %s", series).isEqualTo(t.first());
          assertThat(o.last()).as("last sample of %s", series).isEqualTo(t.last());
        });

        assertThat(visited).isEqualTo(meta.stats().numSeries());
        assertThat(chunkCount[0]).isEqualTo(meta.stats().numChunks());
        assertThat(sampleCount[0]).isEqualTo(meta.stats().numSamples());
        totalSamples += sampleCount[0];
        seenSeries.addAll(ours.keySet());
      }
    }
    assertThat(totalSamples).isEqualTo(generated.totalSamples());
    assertThat(seenSeries).hasSize(generated.series().size());
  }

  @Test
  void labelNamesValuesAndPostingsMatchNaiveScan() throws IOException {
    SplittableRandom rnd = new SplittableRandom(3);
    for (Path dir : blocks) {
      try (BlockReader block = BlockReader.open(dir)) {
        IndexReader index = block.index();
        // Naive: name -> value -> refs, from a full scan of the series.
        Map<String, Map<String, TreeSet<Long>>> naive = new TreeMap<>(Labels::compareStrings);
        TreeSet<Long> all = new TreeSet<>();
        block.forEachSeries((ref, s) -> {
          all.add(ref);
          s.labels().forEach((n, v) -> naive.computeIfAbsent(n, k -> new TreeMap<>(Labels::compareStrings))
              .computeIfAbsent(v, k -> new TreeSet<>()).add(ref));
          return true;
        });
        assertThat(index.labelNames()).containsExactlyElementsOf(naive.keySet());
        // Symbols: sorted, unique, and holding every name and value.
        var symbols = index.symbols();
        for (int i = 1; i < symbols.size(); i++) {
          assertThat(Labels.compareStrings(symbols.lookup(i - 1), symbols.lookup(i))).isNegative();
        }
        for (var e : naive.entrySet()) {
          assertThat(symbols.lookup(symbols.reverseLookup(e.getKey()))).isEqualTo(e.getKey());
          for (String v : e.getValue().keySet()) {
            assertThat(symbols.lookup(symbols.reverseLookup(v))).isEqualTo(v);
          }
        }
        assertThat(symbols.reverseLookup("\u0000 not a symbol")).isEqualTo(-1);
        assertThatThrownBy(() -> symbols.lookup(symbols.size()))
            .isInstanceOf(dev.hypnos.core.index.CorruptBlockException.class).hasMessageContaining("unknown symbol reference");
        assertThat(Postings.toArray(index.allPostings())).containsExactly(toArray(all));
        for (var byName : naive.entrySet()) {
          String name = byName.getKey();
          assertThat(index.labelValues(name)).containsExactlyElementsOf(byName.getValue().keySet());
          for (var byValue : byName.getValue().entrySet()) {
            assertThat(Postings.toArray(index.postings(name, byValue.getKey())))
                .as("postings %s=%s", name, byValue.getKey()).containsExactly(toArray(byValue.getValue()));
          }
        }
        try (IndexReader onHeap = IndexReader.open(new ByteArrayInput("index", Files.readAllBytes(dir.resolve("index"))), "heap")) {
          assertThat(onHeap.labelNames()).isEqualTo(index.labelNames());
          assertThat(Postings.toArray(onHeap.allPostings())).containsExactly(toArray(all));
          SeriesBuilder a = new SeriesBuilder();
          SeriesBuilder b = new SeriesBuilder();
          for (long ref : all) {
            onHeap.series(ref, a);
            index.series(ref, b);
            assertThat(a.labels().equals(b.labels())).as("labels of %d", ref).isTrue();
            assertThat(a.chunks()).isEqualTo(b.chunks());
          }
        }
        assertThat(index.postings("no_such_label", "x").next()).isFalse();
        assertThat(index.postings("job", "no-such-value", "~").next()).isFalse();
        assertThat(index.labelValues("no_such_label")).isEmpty();

        // Combinations: union of two values, intersection across names, without.
        List<String> names = new ArrayList<>(naive.keySet());
        for (int k = 0; k < 50; k++) {
          String n1 = names.get(rnd.nextInt(names.size()));
          String n2 = names.get(rnd.nextInt(names.size()));
          List<String> v1 = new ArrayList<>(naive.get(n1).keySet());
          List<String> v2 = new ArrayList<>(naive.get(n2).keySet());
          String a = v1.get(rnd.nextInt(v1.size()));
          String b = v1.get(rnd.nextInt(v1.size()));
          String c = v2.get(rnd.nextInt(v2.size()));
          TreeSet<Long> union = new TreeSet<>(naive.get(n1).get(a));
          union.addAll(naive.get(n1).get(b));
          TreeSet<Long> inter = new TreeSet<>(union);
          inter.retainAll(naive.get(n2).get(c));
          TreeSet<Long> minus = new TreeSet<>(all);
          minus.removeAll(naive.get(n2).get(c));
          assertThat(Postings.toArray(index.postings(n1, a, b))).containsExactly(toArray(union));
          assertThat(Postings.toArray(Postings.intersect(index.postings(n1, a, b), index.postings(n2, c))))
              .containsExactly(toArray(inter));
          assertThat(Postings.toArray(Postings.without(index.allPostings(), index.postings(n2, c))))
              .containsExactly(toArray(minus));
        }
        SeriesBuilder sb = new SeriesBuilder();
        Postings p = index.sortedPostings(index.postings("__name__", naive.get("__name__").keySet().iterator().next()));
        while (p.next()) {
          index.series(p.at(), sb);
          assertThat(sb.labels().get("__name__")).isEqualTo(naive.get("__name__").keySet().iterator().next());
          assertThat(sb.chunks()).hasSize(sb.chunkCount());
        }
      }
    }
  }

  private static long[] toArray(TreeSet<Long> s) {
    return s.stream().mapToLong(Long::longValue).toArray();
  }
}
