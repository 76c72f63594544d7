package dev.hypnos.objstore.s3;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.BucketConfig;
import dev.hypnos.core.objstore.BucketFactory;
import java.io.IOException;

/** Registers {@code type: S3} with {@code dev.hypnos.core.objstore.Buckets}. */
public final class S3BucketFactory implements BucketFactory {
  @Override
  public String type() {
    return "S3";
  }

  @Override
  public Bucket create(BucketConfig config) throws IOException {
    return new S3Bucket(S3Config.parse(config.configSection()));
  }
}
