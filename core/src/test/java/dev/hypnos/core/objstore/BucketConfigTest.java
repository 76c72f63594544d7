package dev.hypnos.core.objstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BucketConfigTest {
  @TempDir Path tempDir;

  @Test
  void parsesTypePrefixAndConfig() throws IOException {
    BucketConfig config =
        BucketConfig.parse(
            """
            type: s3
            prefix: tenant-a
            config:
              bucket: metrics
              insecure: true
              part_size: 5242880
              sse_config:
                type: SSE-S3
            """,
            "objstore.yml");
    assertThat(config.type()).isEqualTo("S3");
    assertThat(config.prefix()).isEqualTo("tenant-a");
    assertThat(config.source()).isEqualTo("objstore.yml");
    ConfigSection section = config.configSection();
    assertThat(section.string("bucket", "")).isEqualTo("metrics");
    assertThat(section.bool("insecure", false)).isTrue();
    assertThat(section.longValue("part_size", 0)).isEqualTo(5242880);
    assertThat(section.section("sse_config").string("type", "")).isEqualTo("SSE-S3");
    assertThat(section.section("sse_config").path()).isEqualTo("config.sse_config");
  }

  @Test
  void typeIsCaseInsensitiveAndConfigOptional() throws IOException {
    BucketConfig config = BucketConfig.parse("type: FileSystem\n", "x.yml");
    assertThat(config.type()).isEqualTo("FILESYSTEM");
    assertThat(config.prefix()).isEmpty();
    assertThat(config.config()).isEmpty();
  }

  @Test
  void toStringHidesSecrets() throws IOException {
    BucketConfig config =
        BucketConfig.parse("type: S3\nconfig:\n  secret_key: hunter2\n", "x.yml");
    assertThat(config.toString()).doesNotContain("hunter2");
  }

  @Test
  void unknownTopLevelKeyIsNamed() {
    assertThatThrownBy(
            () -> BucketConfig.parse("type: S3\nprefx: a\nconfig: {}\n", "/etc/objstore.yml"))
        .isInstanceOf(BucketConfigException.class)
        .hasMessage(
            "objstore config /etc/objstore.yml: unknown key \"prefx\" (known keys: type, config,"
                + " prefix)");
  }

  @Test
  void malformedYamlGivesLineAndColumn() {
    assertThatThrownBy(
            () -> BucketConfig.parse("type: S3\nconfig:\n  bucket: [a\n  x: y\n", "bad.yml"))
        .isInstanceOf(BucketConfigException.class)
        .hasMessageStartingWith("objstore config bad.yml: invalid YAML at line ")
        .hasMessageMatching("(?s).*line \\d+, column \\d+: .+");
    assertThatThrownBy(() -> BucketConfig.parse("type: S3\n  bad indent: x\n", "bad2.yml"))
        .isInstanceOf(BucketConfigException.class)
        .hasMessageStartingWith("objstore config bad2.yml: invalid YAML at line 2, column");
  }

  @Test
  void duplicateKeyIsAnError() {
    assertThatThrownBy(() -> BucketConfig.parse("type: S3\ntype: FILESYSTEM\n", "dup.yml"))
        .isInstanceOf(BucketConfigException.class)
        .hasMessageContaining("dup.yml")
        .hasMessageContaining("type");
  }

  @Test
  void emptyOrNonMappingFileIsAnError() {
    assertThatThrownBy(() -> BucketConfig.parse("", "empty.yml"))
        .hasMessage("objstore config empty.yml is empty: it needs at least \"type:\"");
    assertThatThrownBy(() -> BucketConfig.parse("- a\n- b\n", "list.yml"))
        .hasMessageContaining("list.yml: expected a mapping with type, config and prefix");
    assertThatThrownBy(() -> BucketConfig.parse("prefix: x\n", "notype.yml"))
        .hasMessage("objstore config notype.yml: missing \"type\" (supported: S3, FILESYSTEM)");
    assertThatThrownBy(() -> BucketConfig.parse("type: S3\nconfig: [a]\n", "cfg.yml"))
        .hasMessage("objstore config cfg.yml: config: expected a mapping, got a list");
  }

  @Test
  void unsupportedTypeIsNamed() {
    assertThatThrownBy(() -> Buckets.open("type: gcs\nconfig:\n  bucket: b\n", "gcs.yml"))
        .isInstanceOf(BucketConfigException.class)
        .hasMessage(
            "objstore config gcs.yml: objstore type GCS is not supported by Hypnos (supported: S3,"
                + " FILESYSTEM)");
    assertThatThrownBy(() -> Buckets.open("type: AZURE\n", "az.yml"))
        .hasMessageContaining("objstore type AZURE is not supported by Hypnos");
  }

  @Test
  void s3WithoutTheModuleSaysWhichModuleIsMissing() {
    // core's own tests run without objstore-s3 on the class path
    assertThatThrownBy(() -> Buckets.open("type: S3\nconfig:\n  bucket: b\n", "s3.yml"))
        .isInstanceOf(BucketConfigException.class)
        .hasMessageContaining("hypnos-objstore-s3");
  }

  @Test
  void opensFilesystemBucketFromFile() throws IOException {
    Path dir = tempDir.resolve("data");
    Path file = tempDir.resolve("objstore.yml");
    Files.writeString(file, "type: FILESYSTEM\nconfig:\n  directory: " + dir + "\n");
    try (Bucket bucket = Buckets.open(file)) {
      assertThat(bucket).isInstanceOf(FilesystemBucket.class);
      bucket.upload("a/b", new ByteArrayInputStream(new byte[] {1, 2}), 2);
      assertThat(dir.resolve("a/b")).exists();
    }
  }

  @Test
  void prefixWrapsTheBucket() throws IOException {
    Path dir = tempDir.resolve("data");
    try (Bucket bucket =
        Buckets.open(
            "type: filesystem\nprefix: /p/q/\nconfig:\n  directory: " + dir + "\n", "inline")) {
      assertThat(bucket).isInstanceOf(PrefixedBucket.class);
      bucket.upload("x", new ByteArrayInputStream(new byte[] {1}), 1);
      assertThat(dir.resolve("p/q/x")).exists();
    }
  }

  @Test
  void memoryBucket() throws IOException {
    try (Bucket bucket = Buckets.open("type: MEMORY\n", "inline")) {
      assertThat(bucket).isInstanceOf(InMemoryBucket.class);
    }
    assertThatThrownBy(() -> Buckets.open("type: MEMORY\nconfig:\n  x: 1\n", "m.yml"))
        .hasMessage("objstore config m.yml: unknown key \"config.x\" (no keys are allowed)");
  }

  @Test
  void filesystemConfigErrors() {
    assertThatThrownBy(() -> Buckets.open("type: FILESYSTEM\nconfig:\n  dir: /tmp\n", "fs.yml"))
        .isInstanceOf(BucketConfigException.class)
        .hasMessage(
            "objstore config fs.yml: unknown key \"config.dir\" (known keys under config:"
                + " directory)");
    assertThatThrownBy(() -> Buckets.open("type: FILESYSTEM\n", "fs.yml"))
        .hasMessage(
            "objstore config fs.yml: config.directory: missing: the FILESYSTEM bucket needs a"
                + " directory");
  }

  @Test
  void missingFileIsNamed() {
    Path missing = tempDir.resolve("nope.yml");
    assertThatThrownBy(() -> Buckets.open(missing))
        .isInstanceOf(BucketConfigException.class)
        .hasMessage("objstore config file " + missing + " does not exist");
  }

  @Test
  void typedAccessorsReportBadValues() throws IOException {
    ConfigSection section =
        BucketConfig.parse(
                """
                type: S3
                config:
                  insecure: maybe
                  part_size: big
                  idle: 1h30m
                  short: 500ms
                  bad_duration: 10 minutes
                  yes_flag: yes
                  map: {a: b, c: 1}
                """,
                "t.yml")
            .configSection();
    assertThatThrownBy(() -> section.bool("insecure", false))
        .hasMessage("objstore config t.yml: config.insecure: expected true or false, got \"maybe\"");
    assertThatThrownBy(() -> section.longValue("part_size", 0))
        .hasMessage("objstore config t.yml: config.part_size: expected an integer, got \"big\"");
    assertThat(section.duration("idle", Duration.ZERO)).isEqualTo(Duration.ofMinutes(90));
    assertThat(section.duration("short", Duration.ZERO)).isEqualTo(Duration.ofMillis(500));
    assertThat(section.duration("absent", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
    assertThatThrownBy(() -> section.duration("bad_duration", Duration.ZERO))
        .hasMessageContaining("config.bad_duration: expected a duration like 90s");
    assertThat(section.bool("yes_flag", false)).isTrue();
    assertThat(section.stringMap("map")).isEqualTo(Map.of("a", "b", "c", "1"));
  }
}
