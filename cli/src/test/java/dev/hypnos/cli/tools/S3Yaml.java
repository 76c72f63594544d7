package dev.hypnos.cli.tools;

import dev.hypnos.testing.S3Proxy;

/** Objstore YAML for a bucket on a running S3Proxy. */
final class S3Yaml {
  private S3Yaml() {}

  static String s3Yaml(S3Proxy s3, String bucket, String secret) {
    return "type: S3\nconfig:\n  bucket: " + bucket + "\n  endpoint: " + s3.hostPort() + "\n  region: us-east-1\n"
        + "  access_key: " + s3.accessKey() + "\n  secret_key: " + secret + "\n  insecure: true\n";
  }
}
