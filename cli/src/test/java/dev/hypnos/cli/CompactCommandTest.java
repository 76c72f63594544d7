package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.objstore.FilesystemBucket;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CompactCommandTest {
  @TempDir Path tmp;

  @Test
  void parsesPrometheusDurations() {
    assertThat(CompactCommand.parseDuration("f", "0d")).isEqualTo(Duration.ZERO);
    assertThat(CompactCommand.parseDuration("f", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(CompactCommand.parseDuration("f", "2w")).isEqualTo(Duration.ofDays(14));
    assertThatThrownBy(() -> CompactCommand.parseDuration("--delete-delay", "48 hours"))
        .hasMessageContaining("--delete-delay");
  }

  @Test
  void oneIterationOverAFilesystemBucketDeletesOldPartialUploads() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("bucket"));
    FilesystemBucket bucket = new FilesystemBucket(root);
    BlockId old = BlockId.of(System.currentTimeMillis() - Duration.ofDays(3).toMillis(), new SplittableRandom(1));
    byte[] d = {1};
    bucket.upload(old + "/index", new ByteArrayInputStream(d), 1);
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new CompactCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    int code = cl.execute("--objstore.config=type: FILESYSTEM\nconfig:\n  directory: " + root,
        "--data-dir=" + tmp.resolve("data"));
    assertThat(code).isZero();
    assertThat(out.toString()).contains("deleted 1");
    List<String> keys = new ArrayList<>();
    bucket.iterRecursive("", keys::add);
    assertThat(keys).noneMatch(k -> k.startsWith(old.toString()));
  }
}
