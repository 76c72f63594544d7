package dev.hypnos.core.objstore;

import java.io.IOException;

/**
 * Creates buckets of one objstore type. Implementations are found with {@link
 * java.util.ServiceLoader} ({@code META-INF/services/dev.hypnos.core.objstore.BucketFactory}), so
 * core opens FILESYSTEM and MEMORY buckets itself while S3 comes from the objstore-s3 module
 * without core depending on the AWS SDK.
 */
public interface BucketFactory {
  /** The upper-case type this factory handles, e.g. {@code S3}. */
  String type();

  /**
   * Creates the bucket from {@link BucketConfig#configSection()}; the caller applies the prefix.
   * Unknown or invalid config keys are reported as {@link BucketConfigException}.
   */
  Bucket create(BucketConfig config) throws IOException;
}
