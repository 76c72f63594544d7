package dev.hypnos.cli.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.cli.Hypnos;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.S3Proxy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance of {@code hypnos tools}: on blocks that promtool makes from generated data
 * (counters with resets, gauges, classic histograms, series that start late and end early; over
 * 100k samples), {@code block dump} prints exactly what {@code promtool tsdb dump} prints, from a
 * FILESYSTEM bucket and from S3 (S3Proxy), and {@code bucket inspect/ls} report every block.
 */
class ToolsAgainstPromtoolTest {
  @TempDir static Path tmp;
  static Promtool promtool;
  static Path blocksDir;
  static List<Path> blocks;
  static List<String> promDump;
  static OpenMetricsGenerator.Result data;
  static S3Proxy s3;
  static Path fsConfig;
  static Path s3Config;

  @BeforeAll
  static void makeBlocks() throws IOException {
    promtool = Promtool.require();
    data = new OpenMetricsGenerator(OpenMetricsGenerator.Config.defaults()).write(tmp.resolve("data.om"));
    assertThat(data.totalSamples()).isGreaterThanOrEqualTo(100_000);
    blocksDir = tmp.resolve("bucket");
    blocks = promtool.createBlocksFromOpenMetrics(data.file(), blocksDir);
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(3);
    promDump = promtool.dump(blocksDir);
    assertThat(promDump).hasSize((int) data.totalSamples());

    fsConfig = tmp.resolve("fs.yml");
    Files.writeString(fsConfig, "type: FILESYSTEM\nconfig:\n  directory: " + blocksDir + "\n");

    s3 = S3Proxy.start("hypnos-access", "hypnos-secret-key");
    Path bucket = s3.createBucket("metrics");
    Promtool.copyTree(blocksDir, bucket);
    s3Config = tmp.resolve("s3.yml");
    Files.writeString(s3Config, S3Yaml.s3Yaml(s3, "metrics", s3.secretKey()));
  }

  @AfterAll
  static void stop() throws IOException {
    if (s3 != null) {
      s3.close();
    }
  }

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n", -1)).subList(0, out.split("\n", -1).length - 1);
    }
  }

  static Run hypnos(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Hypnos.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void dumpFromFilesystemBucketEqualsPromtoolDump() {
    Run r = hypnos("tools", "block", "dump", "--objstore.config-file=" + fsConfig);
    assertThat(r.err).isEmpty();
    assertThat(r.exit).isZero();
    assertSameLines(r.lines(), promDump);
  }

  @Test
  void dumpFromS3EqualsPromtoolDump() {
    Run r = hypnos("tools", "block", "dump", "--objstore.config-file=" + s3Config);
    assertThat(r.err).isEmpty();
    assertThat(r.exit).isZero();
    assertSameLines(r.lines(), promDump);
  }

  @Test
  void dumpWithSelectorAndTimeRangeEqualsPromtool() throws IOException {
    long min = data.minTime() + 3_000_000;
    long max = data.minTime() + 3 * 3_600_000 + 12_345;
    String match = "{__name__=~\".+_bucket|hypnos_temperature_.*\", le!=\"+Inf\"}";
    List<String> want =
        promtool.dump(blocksDir, List.of("--min-time=" + min, "--max-time=" + max, "--match=" + match));
    assertThat(want).hasSizeGreaterThan(1000);
    Run r = hypnos("tools", "block", "dump", "--objstore.config-file=" + fsConfig, "--match=" + match,
        "--min-time=" + min, "--max-time=" + max);
    assertThat(r.exit).as(r.err).isZero();
    assertSameLines(r.lines(), want);
  }

  @Test
  void dumpOfOneBlockById() throws IOException {
    Path one = blocks.get(1);
    Path db = tmp.resolve("one");
    Promtool.copyTree(one, db.resolve(one.getFileName()));
    Run r = hypnos("tools", "block", "dump", "--objstore.config-file=" + s3Config, "--id", one.getFileName().toString());
    assertThat(r.exit).as(r.err).isZero();
    assertSameLines(r.lines(), promtool.dump(db));
  }

  @Test
  void inspectListsEveryBlockWithItsStats() throws IOException {
    Run r = hypnos("tools", "bucket", "inspect", "--objstore.config-file=" + s3Config);
    assertThat(r.exit).as(r.err).isZero();
    List<String> rows = r.lines();
    assertThat(rows.get(0)).contains("ULID", "FROM", "UNTIL", "RANGE", "#SERIES", "#SAMPLES", "#CHUNKS", "COMP-LEVEL",
        "LABELS", "RESOLUTION", "SOURCE");
    assertThat(rows).hasSize(blocks.size() + 2);
    long total = 0;
    for (Path b : blocks) {
      BlockMeta m = BlockMetaJson.read(b);
      total += m.stats().numSamples();
      String row = rows.stream().filter(l -> l.contains(m.ulid().toString())).findFirst().orElseThrow();
      assertThat(row.split("\\|")).extracting(String::trim)
          .contains(GoFormat.grouped(m.stats().numSeries()), GoFormat.grouped(m.stats().numSamples()),
              GoFormat.grouped(m.stats().numChunks()), "1", "false", "0s");
    }
    assertThat(total).isEqualTo(data.totalSamples());
    // Sorted by FROM: block ids of promtool's blocks grow with time here as well.
    List<String> ids = new ArrayList<>();
    rows.subList(2, rows.size()).forEach(l -> ids.add(l.split("\\|")[1].trim()));
    assertThat(ids).isSorted();
  }

  @Test
  void lsListsBlockIdsAndSkipsOtherEntries() throws IOException {
    Files.createDirectories(s3.bucketDir("metrics").resolve("debug/metas"));
    Files.writeString(s3.bucketDir("metrics").resolve("debug/metas/x.json"), "{}");
    Run r = hypnos("tools", "bucket", "ls", "--objstore.config-file=" + s3Config);
    assertThat(r.exit).as(r.err).isZero();
    assertThat(r.lines()).containsExactlyElementsOf(blocks.stream().map(p -> p.getFileName().toString()).sorted().toList());
    Run json = hypnos("tools", "bucket", "ls", "-o", "json", "--objstore.config-file=" + fsConfig);
    assertThat(json.lines()).hasSize(blocks.size()).allMatch(l -> l.startsWith("{\"ulid\":\""));
  }

  static void assertSameLines(List<String> got, List<String> want) {
    // Compare the first difference, so a failure shows one line, not 100k.
    int n = Math.min(got.size(), want.size());
    for (int i = 0; i < n; i++) {
      if (!got.get(i).equals(want.get(i))) {
        assertThat(got.get(i)).as("line %d", i + 1).isEqualTo(want.get(i));
      }
    }
    assertThat(got.size()).as("number of lines").isEqualTo(want.size());
  }
}
