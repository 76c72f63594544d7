package dev.hypnos.testing;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the real {@code promtool} (Prometheus 2.42 on these machines) to make and dump TSDB blocks.
 *
 * <p>{@code promtool tsdb dump} opens its argument as a database: it needs a {@code wal/} folder
 * and creates {@code chunks_head/}. {@link #dump} therefore works on a copy of the directory.
 */
public final class Promtool {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);
  private final Path executable;

  private Promtool(Path executable) {
    this.executable = executable;
  }

  /** Looks for {@code /usr/bin/promtool}, then {@code promtool} on the PATH. */
  public static Optional<Promtool> find() {
    Path fixed = Path.of("/usr/bin/promtool");
    if (Files.isExecutable(fixed)) {
      return Optional.of(new Promtool(fixed));
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (dir.isEmpty()) {
          continue;
        }
        Path p = Path.of(dir, "promtool");
        if (Files.isExecutable(p)) {
          return Optional.of(new Promtool(p));
        }
      }
    }
    return Optional.empty();
  }

  /** Like {@link #find} but fails with a message saying how to install promtool. */
  public static Promtool require() {
    return find().orElseThrow(() -> new IllegalStateException(
        "promtool was not found at /usr/bin/promtool or on PATH; install it with: apt-get install -y prometheus"));
  }

  public Path executable() {
    return executable;
  }

  /**
   * {@code promtool tsdb create-blocks-from openmetrics omFile outDir}: returns the block
   * directories it created, sorted by name (ULID, so by creation time).
   */
  public List<Path> createBlocksFromOpenMetrics(Path omFile, Path outDir) throws IOException {
    Files.createDirectories(outDir);
    Set<String> before = blockNames(outDir);
    run(List.of(executable.toString(), "tsdb", "create-blocks-from", "openmetrics",
        omFile.toString(), outDir.toString()));
    List<Path> created = new ArrayList<>();
    for (String n : blockNames(outDir)) {
      if (!before.contains(n)) {
        created.add(outDir.resolve(n));
      }
    }
    Collections.sort(created);
    return created;
  }

  private static Set<String> blockNames(Path dir) throws IOException {
    Set<String> out = new HashSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(BlockId::isValid)
          .forEach(out::add);
    }
    return out;
  }

  /**
   * {@code promtool tsdb dump} of a copy of {@code dbDir} (a folder holding block directories):
   * the lines {@code {labels} value timestamp_ms}, sorted by series then time.
   */
  public List<String> dump(Path dbDir) throws IOException {
    return dump(dbDir, List.of());
  }

  /** Like {@link #dump(Path)} with extra flags, such as {@code --min-time=...}. */
  public List<String> dump(Path dbDir, List<String> flags) throws IOException {
    Path copy = Files.createTempDirectory("hypnos-promtool-dump");
    try {
      copyTree(dbDir, copy);
      Files.createDirectories(copy.resolve("wal"));
      List<String> cmd = new ArrayList<>(List.of(executable.toString(), "tsdb", "dump"));
      cmd.addAll(flags);
      cmd.add(copy.toString());
      return run(cmd);
    } finally {
      deleteTree(copy);
    }
  }

  /**
   * {@code promtool tsdb analyze --extended} of block {@code blockId} in a copy of {@code dbDir}:
   * its report lines. Fails with the exit code and stderr when promtool cannot read the block.
   */
  public List<String> analyze(Path dbDir, String blockId) throws IOException {
    Path copy = Files.createTempDirectory("hypnos-promtool-analyze");
    try {
      copyTree(dbDir, copy);
      return run(List.of(executable.toString(), "tsdb", "analyze", "--extended", copy.toString(), blockId));
    } finally {
      deleteTree(copy);
    }
  }

  private List<String> run(List<String> cmd) throws IOException {
    Path out = Files.createTempFile("hypnos-promtool", ".out");
    Path err = Files.createTempFile("hypnos-promtool", ".err");
    try {
      Process p = new ProcessBuilder(cmd)
          .redirectOutput(out.toFile())
          .redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      boolean done;
      try {
        done = p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while running " + String.join(" ", cmd), e);
      }
      if (!done) {
        p.destroyForcibly();
        throw new IOException("run " + String.join(" ", cmd) + ": no exit after " + TIMEOUT);
      }
      if (p.exitValue() != 0) {
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        throw new IOException("run " + String.join(" ", cmd) + ": exit code " + p.exitValue() + ": "
            + tail(stderr, 4000));
      }
      return Files.readAllLines(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String tail(String s, int max) {
    return s.length() <= max ? s : "..." + s.substring(s.length() - max);
  }

  /** Copies a directory tree. */
  public static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Files.createDirectories(to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.copy(file, to.resolve(from.relativize(file).toString()));
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Deletes a directory tree; missing is fine. */
  public static void deleteTree(Path root) throws IOException {
    IoUtil.deleteTree(root);
  }
}
