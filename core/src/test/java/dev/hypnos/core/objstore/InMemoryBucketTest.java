package dev.hypnos.core.objstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

class InMemoryBucketTest extends BucketContractTest {
  @Override
  protected Bucket newBucket() {
    return new InMemoryBucket();
  }

  @Test
  void lastModifiedComesFromTheInjectedClock() throws IOException {
    Instant t = Instant.parse("2024-05-06T07:08:09.123Z");
    try (InMemoryBucket b = new InMemoryBucket("mem-test", InstantSource.fixed(t))) {
      b.upload("k", new java.io.ByteArrayInputStream(new byte[3]), 3);
      assertThat(b.attributes("k")).isEqualTo(new ObjectAttributes(3, t));
      assertThat(b.name()).isEqualTo("mem-test");
    }
  }
}
