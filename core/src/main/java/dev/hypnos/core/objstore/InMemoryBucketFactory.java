package dev.hypnos.core.objstore;

import java.io.IOException;
import java.util.List;

/** {@code type: MEMORY}: an empty {@link InMemoryBucket}, for tests. It takes no config keys. */
public final class InMemoryBucketFactory implements BucketFactory {
  @Override
  public String type() {
    return "MEMORY";
  }

  @Override
  public Bucket create(BucketConfig config) throws IOException {
    config.configSection().allowOnly(List.of());
    return new InMemoryBucket();
  }
}
