package dev.hypnos.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.core.objstore.ObjectAttributes;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class BucketProbeTest {
  @Test
  void failsWhileTheBucketIsUnreachableAndRecovers() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    InstantSource clock = now::get;
    OutageBucket bucket = new OutageBucket(new InMemoryBucket());
    BucketProbe probe = new BucketProbe(bucket, Duration.ofSeconds(5), clock);
    assertThat(probe.notReadyReason()).isEmpty();
    assertThat(bucket.requests.get()).isEqualTo(1);

    bucket.down = true;
    assertThat(probe.notReadyReason()).as("answer kept within the ttl").isEmpty();
    assertThat(bucket.requests.get()).isEqualTo(1);
    now.set(now.get().plusSeconds(5));
    assertThat(probe.notReadyReason())
        .hasValueSatisfying(r -> assertThat(r).contains("object store mem", "unreachable", "connection refused"));

    bucket.down = false;
    assertThat(probe.notReadyReason()).as("failure kept within the ttl").isPresent();
    now.set(now.get().plusSeconds(6));
    assertThat(probe.notReadyReason()).isEmpty();
    assertThat(bucket.requests.get()).isEqualTo(3);
  }

  /** Delegates to a bucket, or fails every request like an unreachable endpoint while {@code down}. */
  static final class OutageBucket implements Bucket {
    private final Bucket delegate;
    volatile boolean down;
    final AtomicInteger requests = new AtomicInteger();

    OutageBucket(Bucket delegate) {
      this.delegate = delegate;
    }

    private void check(String key) throws IOException {
      requests.incrementAndGet();
      if (down) {
        throw new IOException("request " + key + " in " + name() + ": connection refused");
      }
    }

    @Override
    public String name() {
      return "mem";
    }

    @Override
    public InputStream get(String key) throws IOException {
      check(key);
      return delegate.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
      check(key);
      return delegate.getRange(key, offset, length);
    }

    @Override
    public void iter(String dir, Consumer<String> consumer) throws IOException {
      check(dir);
      delegate.iter(dir, consumer);
    }

    @Override
    public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
      check(dir);
      delegate.iterRecursive(dir, consumer);
    }

    @Override
    public boolean exists(String key) throws IOException {
      check(key);
      return delegate.exists(key);
    }

    @Override
    public ObjectAttributes attributes(String key) throws IOException {
      check(key);
      return delegate.attributes(key);
    }

    @Override
    public void upload(String key, InputStream in, long length) throws IOException {
      check(key);
      delegate.upload(key, in, length);
    }

    @Override
    public void delete(String key) throws IOException {
      check(key);
      delegate.delete(key);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
