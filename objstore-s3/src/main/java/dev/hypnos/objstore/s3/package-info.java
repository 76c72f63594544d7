/** The S3 bucket ({@code type: S3}) on AWS SDK v2, registered as a {@code BucketFactory}. */
@NullMarked
package dev.hypnos.objstore.s3;

import org.jspecify.annotations.NullMarked;
