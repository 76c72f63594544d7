package dev.hypnos.cli.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.cli.Hypnos;
import dev.hypnos.core.index.IndexReader;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.S3Proxy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code hypnos tools}: each case ends with exit code 1 and one line on stderr that
 * says what is wrong and where, and no stack trace.
 */
class ToolsBadInputTest {
  @TempDir static Path tmp;
  static Path pristine; // one promtool block, copied for each case
  static String blockId;
  static S3Proxy s3;

  @TempDir Path work;

  @BeforeAll
  static void makeBlock() throws IOException {
    var cfg = new OpenMetricsGenerator.Config(7, 1_700_006_400_000L, 3_600_000L, 15_000, 5, 5, 1);
    var data = new OpenMetricsGenerator(cfg).write(tmp.resolve("d.om"));
    List<Path> blocks = Promtool.require().createBlocksFromOpenMetrics(data.file(), tmp.resolve("blocks"));
    pristine = blocks.get(0);
    blockId = pristine.getFileName().toString();
    s3 = S3Proxy.start("hypnos-access", "hypnos-secret-key");
    s3.createBucket("metrics");
  }

  @AfterAll
  static void stop() throws IOException {
    if (s3 != null) {
      s3.close();
    }
  }

  record Run(int exit, String out, String err) {}

  static Run hypnos(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Hypnos.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  /** A FILESYSTEM bucket holding a fresh copy of the block; returns its config file. */
  Path bucketWithBlock() throws IOException {
    Path dir = work.resolve("bucket");
    Promtool.copyTree(pristine, dir.resolve(blockId));
    Path cfg = work.resolve("fs.yml");
    Files.writeString(cfg, "type: FILESYSTEM\nconfig:\n  directory: " + dir + "\n");
    return cfg;
  }

  Path blockFile(String rel) {
    return work.resolve("bucket").resolve(blockId).resolve(rel);
  }

  static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x5A);
    }
  }

  static void truncate(Path file, long size) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size);
    }
  }

  static void assertOneClearError(Run r, String... fragments) {
    assertThat(r.exit).as("exit code; stderr: %s", r.err).isEqualTo(1);
    String err = r.err.strip();
    assertThat(err).startsWith("hypnos: error: ").contains(fragments);
    assertThat(err.lines()).as("one line").hasSize(1);
    assertThat(err).doesNotContain("\tat ", "Exception");
  }

  String dump(Path cfg) {
    return "--objstore.config-file=" + cfg;
  }

  @Test
  void flippedByteInIndexSeriesIsACrcErrorNamingBlockFileAndOffset() throws IOException {
    Path cfg = bucketWithBlock();
    long series;
    try (IndexReader ir = IndexReader.open(blockFile("index"), blockId)) {
      series = ir.toc().series();
    }
    // The first series entry starts at the next 16-byte boundary; +3 is past its length varint.
    long firstSeries = (series + 15) / 16 * 16;
    flipByte(blockFile("index"), firstSeries + 3);
    assertOneClearError(hypnos("tools", "block", "dump", dump(cfg)), "CRC mismatch", blockId + "/index", "at offset ");
  }

  @Test
  void flippedByteInChunkSegmentIsACrcErrorNamingBlockFileAndOffset() throws IOException {
    Path cfg = bucketWithBlock();
    flipByte(blockFile("chunks/000001"), 8 + 12);
    assertOneClearError(
        hypnos("tools", "block", "dump", dump(cfg)), "CRC mismatch", blockId + "/chunks/000001", "at offset 8");
  }

  @Test
  void truncatedIndex() throws IOException {
    Path cfg = bucketWithBlock();
    truncate(blockFile("index"), Files.size(blockFile("index")) / 2);
    assertOneClearError(hypnos("tools", "block", "dump", dump(cfg)), blockId + "/index");
  }

  @Test
  void truncatedChunkSegment() throws IOException {
    Path cfg = bucketWithBlock();
    truncate(blockFile("chunks/000001"), Files.size(blockFile("chunks/000001")) - 100);
    assertOneClearError(hypnos("tools", "block", "dump", dump(cfg)), blockId + "/chunks/000001");
  }

  @Test
  void unknownIndexVersion() throws IOException {
    Path cfg = bucketWithBlock();
    try (RandomAccessFile f = new RandomAccessFile(blockFile("index").toFile(), "rw")) {
      f.seek(4);
      f.write(7);
    }
    assertOneClearError(hypnos("tools", "block", "dump", dump(cfg)), blockId + "/index", "unsupported index version", "version byte is 7");
  }

  @Test
  void missingTmpDirIsCreated() throws IOException {
    Path cfg = bucketWithBlock();
    Path tmpDir = work.resolve("not-yet").resolve("there");
    Run r = hypnos("tools", "block", "dump", dump(cfg), "--tmp.dir", tmpDir.toString());
    assertThat(r.exit).as(r.err).isZero();
    assertThat(r.out).contains("{__name__=");
    assertThat(tmpDir).isDirectory();
  }

  @Test
  void missingMetaJson() throws IOException {
    Path cfg = bucketWithBlock();
    Files.delete(blockFile("meta.json"));
    assertOneClearError(hypnos("tools", "block", "dump", dump(cfg), "--id", blockId), blockId, "no meta.json");
    // Without --id a partial block is skipped with a warning, as the store gateway would.
    Run all = hypnos("tools", "block", "dump", dump(cfg));
    assertThat(all.exit).isZero();
    assertThat(all.err).contains("warning", blockId, "no meta.json");
  }

  @Test
  void malformedObjstoreYaml() throws IOException {
    Path cfg = work.resolve("bad.yml");
    Files.writeString(cfg, "type: FILESYSTEM\nconfig:\n  directory: [unclosed\n");
    assertOneClearError(hypnos("tools", "bucket", "ls", "--objstore.config-file=" + cfg), "bad.yml", "line");
  }

  @Test
  void unknownObjstoreKeyIsNamed() throws IOException {
    Path cfg = work.resolve("typo.yml");
    Files.writeString(cfg, "type: FILESYSTEM\nconfig:\n  directroy: /tmp\n");
    assertOneClearError(hypnos("tools", "bucket", "ls", "--objstore.config-file=" + cfg), "typo.yml", "directroy");
  }

  @Test
  void missingConfigFile() {
    assertOneClearError(
        hypnos("tools", "bucket", "inspect", "--objstore.config-file=" + work.resolve("nope.yml")), "nope.yml");
  }

  @Test
  void wrongS3Credentials() throws IOException {
    Path cfg = work.resolve("s3.yml");
    Files.writeString(cfg, S3Yaml.s3Yaml(s3, "metrics", "not-the-secret"));
    assertOneClearError(hypnos("tools", "bucket", "ls", "--objstore.config-file=" + cfg), "access denied", "metrics");
  }

  @Test
  void missingS3Bucket() throws IOException {
    Path cfg = work.resolve("s3.yml");
    Files.writeString(cfg, S3Yaml.s3Yaml(s3, "no-such-bucket", s3.secretKey()));
    assertOneClearError(
        hypnos("tools", "bucket", "inspect", "--objstore.config-file=" + cfg), "no-such-bucket", "does not exist");
  }

  @Test
  void badSelectorAndBadIdAreUsageErrors() throws IOException {
    Path cfg = bucketWithBlock();
    Run r = hypnos("tools", "block", "dump", dump(cfg), "--match", "up{job=~\"(\"}");
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err).contains("--match").doesNotContain("\tat ");
    Run id = hypnos("tools", "block", "dump", dump(cfg), "--id", "not-a-ulid");
    assertThat(id.exit).isEqualTo(2);
    assertThat(id.err).contains("--id not-a-ulid").doesNotContain("\tat ");
  }
}
