package dev.hypnos.storegateway;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Blocks made once per test JVM by the real promtool from generated OpenMetrics, laid out as a
 * Thanos bucket (meta.json given a Thanos section with external labels), plus what {@code promtool
 * tsdb dump} prints for them, as the expected answer.
 */
final class BlockFixture {
  static final Labels EXTERNAL = Labels.of("cluster", "eu-1", "replica", "a");

  /** One sample, compared exactly (value bits). */
  record Sample(long t, long bits) {
    static Sample of(long t, double v) {
      return new Sample(t, Double.doubleToRawLongBits(v));
    }

    @Override
    public String toString() {
      return t + "=" + Double.longBitsToDouble(bits);
    }
  }

  final Path root;
  final Path bucketDir;
  final List<BlockId> blocks = new ArrayList<>();
  final List<BlockMeta> metas = new ArrayList<>();
  /** Series (own labels) to its dumped samples. */
  final Map<Labels, List<Sample>> dump = new TreeMap<>();
  final long minTime;
  final long maxTime;

  private static BlockFixture instance;

  static synchronized BlockFixture get() throws IOException {
    if (instance == null) {
      Path root = Files.createTempDirectory("hypnos-storegateway-fixture");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          dev.hypnos.core.util.IoUtil.deleteTree(root);
        } catch (IOException e) {
          // best effort: a temporary directory
        }
      }));
      instance = new BlockFixture(root);
    }
    return instance;
  }

  private BlockFixture(Path root) throws IOException {
    this.root = root;
    Promtool promtool = Promtool.require();
    OpenMetricsGenerator.Result gen =
        new OpenMetricsGenerator(OpenMetricsGenerator.Config.defaults()).write(root.resolve("data.om"));
    Path db = root.resolve("db");
    List<Path> made = promtool.createBlocksFromOpenMetrics(gen.file(), db);
    Map<String, Labels> byText = new LinkedHashMap<>();
    for (OpenMetricsGenerator.Series s : gen.series()) {
      byText.put(s.labels().toString(), s.labels());
    }
    for (String line : promtool.dump(db)) {
      int sp2 = line.lastIndexOf(' ');
      int sp1 = line.lastIndexOf(' ', sp2 - 1);
      Labels l = byText.get(line.substring(0, sp1));
      if (l == null) {
        throw new IllegalStateException("dump names a series the generator did not write: " + line);
      }
      dump.computeIfAbsent(l, k -> new ArrayList<>()).add(
          Sample.of(Long.parseLong(line.substring(sp2 + 1)), Double.parseDouble(line.substring(sp1 + 1, sp2))));
    }
    bucketDir = root.resolve("bucket");
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (Path b : made) {
      Path target = bucketDir.resolve(b.getFileName().toString());
      Promtool.copyTree(b, target);
      Files.deleteIfExists(target.resolve("tombstones"));
      BlockMeta m = BlockMetaJson.read(target);
      m = m.withThanos(BlockMeta.Thanos.of(EXTERNAL.toMap(), 0, "test"));
      BlockMetaJson.write(target, m);
      blocks.add(m.ulid());
      metas.add(m);
      lo = Math.min(lo, m.minTime());
      hi = Math.max(hi, m.maxTime());
    }
    minTime = lo;
    maxTime = hi;
  }

  /** What a Series call must return: own labels + external labels, samples in range. */
  Map<Labels, List<Sample>> expected(long mint, long maxt, List<Matcher> matchers, Labels external) {
    Map<Labels, List<Sample>> out = new TreeMap<>();
    for (Map.Entry<Labels, List<Sample>> e : dump.entrySet()) {
      Labels full = withExternal(e.getKey(), external);
      boolean ok = true;
      for (Matcher m : matchers) {
        ok &= m.matches(full.getOrEmpty(m.name()));
      }
      if (!ok) {
        continue;
      }
      List<Sample> in = new ArrayList<>();
      for (Sample s : e.getValue()) {
        if (s.t() >= mint && s.t() <= maxt) {
          in.add(s);
        }
      }
      if (!in.isEmpty()) {
        out.put(full, in);
      }
    }
    return out;
  }

  static Labels withExternal(Labels own, Labels external) {
    Map<String, String> m = new TreeMap<>(own.toMap());
    m.putAll(external.toMap());
    return Labels.fromMap(m);
  }

  /** Decodes the series' raw XOR chunks, keeping samples in {@code [mint, maxt]}. */
  static List<Sample> samples(StoreSeries s, long mint, long maxt) {
    List<Sample> out = new ArrayList<>();
    XorIterator it = new XorIterator();
    for (StoreChunk c : s.chunks()) {
      if (c.raw() == null) {
        throw new AssertionError("chunk without raw data in " + s.labels());
      }
      if (c.raw().hash() != 0 && !c.raw().hashMatches()) {
        throw new AssertionError("chunk hash does not match its data in " + s.labels());
      }
      it.reset(c.raw().array(), c.raw().offset(), c.raw().length());
      while (it.next()) {
        if (it.timestamp() >= mint && it.timestamp() <= maxt) {
          out.add(Sample.of(it.timestamp(), it.value()));
        }
      }
    }
    return out;
  }
}
