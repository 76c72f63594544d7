package dev.hypnos.cli;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectAttributes;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A child-JVM entry point for crash tests: runs {@code hypnos compact} with its bucket wrapped so
 * that, before its N-th write (upload or delete), the process prints {@code PAUSED <n> <op> <key>}
 * and blocks, for the test to kill it with SIGKILL. Every write is printed as {@code WRITE <n> <op>
 * <key>} before it is made; at the end it prints {@code WRITES <count>}.
 *
 * <p>Arguments: {@code <n> <hypnos arguments...>}; n = 0 never pauses; a negative n never pauses
 * but makes every write take -n milliseconds longer (a slow bucket, for stop tests).
 */
public final class PausingCompactMain {
  private PausingCompactMain() {}

  public static void main(String[] args) {
    int pauseAt = Integer.parseInt(args[0]);
    AtomicInteger writes = new AtomicInteger();
    PrintStream out = System.out;
    CompactCommand.bucketWrapper = b -> new PausingBucket(b, pauseAt, writes, out);
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    java.io.PrintWriter pw = new java.io.PrintWriter(System.out, true);
    int code = Hypnos.execute(rest, pw, new java.io.PrintWriter(System.err, true));
    pw.flush();
    out.println("WRITES " + writes.get());
    out.flush();
    System.exit(code);
  }

  /** Passes everything through; blocks for good before the chosen write. */
  static final class PausingBucket implements Bucket {
    private final Bucket inner;
    private final int pauseAt;
    private final AtomicInteger writes;
    private final PrintStream out;

    PausingBucket(Bucket inner, int pauseAt, AtomicInteger writes, PrintStream out) {
      this.inner = inner;
      this.pauseAt = pauseAt;
      this.writes = writes;
      this.out = out;
    }

    private void write(String op, String key) {
      int n = writes.incrementAndGet();
      out.println("WRITE " + n + " " + op + " " + key);
      out.flush();
      if (pauseAt < 0) {
        try {
          Thread.sleep(-pauseAt);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (n == pauseAt) {
        out.println("PAUSED " + n + " " + op + " " + key);
        out.flush();
        while (true) {
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            // Only SIGKILL ends this.
          }
        }
      }
    }

    @Override public String name() { return inner.name(); }
    @Override public InputStream get(String key) throws IOException { return inner.get(key); }
    @Override public InputStream getRange(String key, long offset, long length) throws IOException {
      return inner.getRange(key, offset, length);
    }
    @Override public void iter(String dir, Consumer<String> consumer) throws IOException { inner.iter(dir, consumer); }
    @Override public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
      inner.iterRecursive(dir, consumer);
    }
    @Override public boolean exists(String key) throws IOException { return inner.exists(key); }
    @Override public ObjectAttributes attributes(String key) throws IOException { return inner.attributes(key); }

    @Override
    public void upload(String key, InputStream in, long length) throws IOException {
      write("upload", key);
      inner.upload(key, in, length);
    }

    @Override
    public void upload(String key, Path file) throws IOException {
      write("upload", key);
      inner.upload(key, file);
    }

    @Override
    public void delete(String key) throws IOException {
      write("delete", key);
      inner.delete(key);
    }

    @Override public void close() throws IOException { inner.close(); }
  }
}
