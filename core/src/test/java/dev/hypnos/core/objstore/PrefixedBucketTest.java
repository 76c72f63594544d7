package dev.hypnos.core.objstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrefixedBucketTest extends BucketContractTest {
  private InMemoryBucket inner;

  @Override
  protected Bucket newBucket() {
    inner = new InMemoryBucket();
    return new PrefixedBucket(inner, "/tenant/a/");
  }

  @Test
  void keysAreStoredUnderThePrefix() throws IOException {
    inner.upload("outside", new java.io.ByteArrayInputStream(new byte[1]), 1);
    put("x/y", "1");
    List<String> innerKeys = new ArrayList<>();
    inner.iterRecursive("", innerKeys::add);
    assertThat(innerKeys).containsExactly("outside", "tenant/a/x/y");
    assertThat(iter("")).containsExactly("x/");
    assertThat(iterRecursive("")).containsExactly("x/y");
    assertThat(bucket.exists("outside")).isFalse();
  }

  @Test
  void emptyPrefixWrapsNothing() {
    assertThat(PrefixedBucket.wrap(inner, "")).isSameAs(inner);
    assertThat(PrefixedBucket.wrap(inner, "/")).isSameAs(inner);
    assertThat(PrefixedBucket.wrap(inner, "p")).isInstanceOf(PrefixedBucket.class);
  }
}
