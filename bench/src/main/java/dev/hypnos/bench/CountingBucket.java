package dev.hypnos.bench;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectAttributes;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/** A bucket that counts the bytes read and the get / range-get requests made through it. */
public final class CountingBucket implements Bucket {
  private final Bucket delegate;
  private final LongAdder bytes = new LongAdder();
  private final LongAdder gets = new LongAdder();
  private final LongAdder readCalls = new LongAdder();
  private final LongAdder rangeBytes = new LongAdder();
  /** {@code -Dhypnos.bench.trace=true}: each range request and the bytes read from it, on stderr. */
  private static final boolean TRACE = Boolean.getBoolean("hypnos.bench.trace");

  public CountingBucket(Bucket delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** Bytes read from object bodies so far. */
  public long bytesRead() {
    return bytes.sum();
  }

  /** Get and range-get requests so far. */
  public long requests() {
    return gets.sum();
  }

  /** Bytes asked for by range requests so far (what an object store would send in full). */
  public long bytesRequested() {
    return rangeBytes.sum();
  }

  /** read() / read(byte[], int, int) calls made on the returned streams so far. */
  public long readCalls() {
    return readCalls.sum();
  }

  private InputStream counted(InputStream in, String what) {
    gets.increment();
    return new FilterInputStream(in) {
      private long read;

      @Override
      public void close() throws IOException {
        if (TRACE) {
          System.err.println("range " + what + " read " + read);
        }
        super.close();
      }

      @Override
      public int read() throws IOException {
        readCalls.increment();
        int b = super.read();
        if (b >= 0) {
          read++;
          bytes.increment();
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        readCalls.increment();
        int n = super.read(buf, off, len);
        if (n > 0) {
          read += n;
          bytes.add(n);
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        return super.skip(n);
      }
    };
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public boolean local() {
    return delegate.local();
  }

  @Override
  public InputStream get(String key) throws IOException {
    return counted(delegate.get(key), key);
  }

  @Override
  public InputStream getRange(String key, long offset, long length) throws IOException {
    rangeBytes.add(length);
    return counted(delegate.getRange(key, offset, length), key + " [" + offset + ", +" + length + ")");
  }

  @Override
  public void iter(String dir, Consumer<String> consumer) throws IOException {
    delegate.iter(dir, consumer);
  }

  @Override
  public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
    delegate.iterRecursive(dir, consumer);
  }

  @Override
  public boolean exists(String key) throws IOException {
    return delegate.exists(key);
  }

  @Override
  public ObjectAttributes attributes(String key) throws IOException {
    return delegate.attributes(key);
  }

  @Override
  public void upload(String key, InputStream in, long length) throws IOException {
    delegate.upload(key, in, length);
  }

  @Override
  public void delete(String key) throws IOException {
    delegate.delete(key);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
